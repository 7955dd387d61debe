import type { ServerResponse } from "node:http";

const kTurn = Symbol("coalescedWrite turn");
type Corkable = ServerResponse & { [kTurn]?: number };

/**
 * The responses corked in this turn. A plain array reused from turn to turn, its entries cleared
 * after each flush: a Set emptied with clear() keeps its previous table, entries included, linked
 * to the new one, and once such a table had reached the old generation every response added
 * since (and all it referenced) survived V8's young-generation collections.
 */
const corked: (Corkable | undefined)[] = [];
let count = 0;
let turn = 0;

function flush(): void {
  for (let i = 0; i < count; i++) {
    const raw = corked[i]!;
    corked[i] = undefined;
    // end() already sent everything (it uncorks fully); the socket may serve the next request by now.
    if (!raw.writableEnded && !raw.destroyed) raw.uncork();
  }
  count = 0;
  turn++;
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
  const r = raw as Corkable;
  if (r[kTurn] !== turn) {
    r[kTurn] = turn;
    raw.cork();
    if (count === 0) setImmediate(flush);
    corked[count++] = r;
  }
  raw.write(data);
}
