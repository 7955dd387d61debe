import type { ServerResponse } from "node:http";

declare module "fastify" {
  interface FastifyInstance {
    /** coalescedWrite's interval for this server's streams (decorated in buildServer). */
    streamIntervalMs: number;
  }
}

const kState = Symbol("coalescedWrite state");
interface State {
  /** The event-loop turn it was corked in (flushTurn sends it), NaN while a timer will send it, -1 before. */
  turn: number;
  /** performance.now() of its last send. */
  sentAt: number;
  /** The interval's flush, while one is pending. */
  timer?: NodeJS.Timeout;
}
type Corkable = ServerResponse & { [kState]?: State };

/** Default pace of a stream's sends (`server.streamIntervalMs`): at most 50 a second. See coalescedWrite. */
export const DEFAULT_STREAM_INTERVAL_MS = 20;

/**
 * The responses corked in this turn. A plain array reused from turn to turn, its entries cleared
 * after each flush: a Set emptied with clear() keeps its previous table, entries included, linked
 * to the new one, and once such a table had reached the old generation every response added
 * since (and all it referenced) survived V8's young-generation collections.
 */
const corked: (Corkable | undefined)[] = [];
let count = 0;
let turn = 0;

function send(r: Corkable): void {
  r[kState]!.sentAt = performance.now();
  // end() already sent everything (it uncorks fully); the socket may serve the next request by now.
  if (!r.writableEnded && !r.destroyed) r.uncork();
}

function flushTurn(): void {
  for (let i = 0; i < count; i++) {
    const r = corked[i]!;
    corked[i] = undefined;
    send(r);
  }
  count = 0;
  turn++;
}

function flushLater(r: Corkable): void {
  const state = r[kState]!;
  state.turn = -1; // uncorked
  state.timer = undefined;
  send(r);
}

/**
 * Writes to a streaming response, coalescing writes into fewer socket sends.
 *
 * Every write made in the same turn of the event loop goes out in one send: an upstream often
 * delivers several events in one read (or a local model a token and its usage), and one syscall
 * per event was the streaming path's main cost. The turn's flush waits for setImmediate, after
 * the I/O callbacks of this turn and the promise chains they started, so an answer that also
 * ends in this turn (its end() uncorks) goes out in one send, headers included.
 *
 * And a response sends at most once per `intervalMs` (0: every turn): a write within `intervalMs` of the previous
 * send waits for the interval's end, with whatever else arrives by then. A stream's first write
 * (the first token: time to first token) and any write after a pause go out at once, so a model
 * slower than the interval streams token by token; only faster ones are batched, at a pace no
 * reader can tell from token by token. On 2 cores, waking the client for every token of a small
 * model (5 ms apart) cost a third of the generation speed: each wake takes a core from the
 * decode threads in the middle of their computation.
 */
export function coalescedWrite(raw: ServerResponse, data: string, intervalMs: number): void {
  const r = raw as Corkable;
  const state = (r[kState] ??= { turn: -1, sentAt: -Infinity });
  if (state.turn !== turn && !Number.isNaN(state.turn)) { // not corked yet
    raw.cork();
    const wait = intervalMs > 0 ? state.sentAt + intervalMs - performance.now() : 0;
    if (wait > 1) {
      state.turn = NaN;
      state.timer = setTimeout(flushLater, Math.ceil(wait), r);
    } else {
      state.turn = turn;
      if (count === 0) setImmediate(flushTurn);
      corked[count++] = r;
    }
  }
  raw.write(data);
}

/**
 * Ends a response written with coalescedWrite: end() sends whatever is corked, and a pending
 * interval flush is cancelled, so its timer does not keep the finished response (and all it
 * references) alive through the next young-generation collections.
 */
export function coalescedEnd(raw: ServerResponse, data?: string): void {
  const state = (raw as Corkable)[kState];
  if (state?.timer) {
    clearTimeout(state.timer);
    state.timer = undefined;
  }
  if (data === undefined) raw.end();
  else raw.end(data);
}
