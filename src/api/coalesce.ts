import type { ServerResponse } from "node:http";

const corked = new WeakSet<ServerResponse>();

/**
 * Writes to a streaming response, coalescing every write made in the same tick into one
 * socket send: an upstream often delivers several events in one read (or a local model a
 * token and its usage), and one syscall per event was the streaming path's main cost.
 */
export function coalescedWrite(raw: ServerResponse, data: string): void {
  if (!corked.has(raw)) {
    corked.add(raw);
    raw.cork();
    process.nextTick(() => { corked.delete(raw); raw.uncork(); });
  }
  raw.write(data);
}
