import type { ServerResponse } from "node:http";

/** Streaming responses written to since the last flush, still corked. */
const corked = new Set<ServerResponse>();
let scheduled = false;

function flush(): void {
  scheduled = false;
  for (const raw of corked) {
    // end() already sent everything (it uncorks fully); the socket may serve the next request by now.
    if (!raw.writableEnded && !raw.destroyed) raw.uncork();
  }
  corked.clear();
}

/**
 * Writes to a streaming response, coalescing every write made in the same turn of the event
 * loop into one socket send: an upstream often delivers several events in one read (or a local
 * model a token and its usage), and one syscall per event was the streaming path's main cost.
 * The flush waits for setImmediate, after the I/O callbacks of this turn and the promise chains
 * they started, so an answer that also ends in this turn (its end() uncorks) goes out in one
 * send, headers included, instead of one for its first events and another for the rest.
 */
export function coalescedWrite(raw: ServerResponse, data: string): void {
  if (!corked.has(raw)) {
    corked.add(raw);
    raw.cork();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }
  raw.write(data);
}
