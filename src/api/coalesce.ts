import type { ServerResponse } from "node:http";

declare module "fastify" {
  interface FastifyInstance {
    /** coalescedWrite's interval for this server's streams (decorated in buildServer). */
    streamIntervalMs: number;
  }
}

const kState = Symbol("coalescedWrite state");
interface State {
  /** The event-loop turn it was held in (flushTurn sends it), NaN while a timer will send it, -1 before. */
  turn: number;
  /** performance.now() of its last send. */
  sentAt: number;
  /** What waits to be sent, as one string. */
  held: string;
  /** The interval's flush, while one is pending. */
  timer?: NodeJS.Timeout;
}
type Holding = ServerResponse & { [kState]?: State };

/** Default pace of a stream's sends (`server.streamIntervalMs`): at most 50 a second. See coalescedWrite. */
export const DEFAULT_STREAM_INTERVAL_MS = 20;

/**
 * The responses holding writes in this turn. A plain array reused from turn to turn, its entries
 * cleared after each flush: a Set emptied with clear() keeps its previous table, entries included,
 * linked to the new one, and once such a table had reached the old generation every response
 * added since (and all it referenced) survived V8's young-generation collections.
 */
const holding: (Holding | undefined)[] = [];
let count = 0;
let turn = 0;

function send(r: Holding): void {
  const state = r[kState]!;
  state.turn = -1;
  state.sentAt = performance.now();
  const data = state.held;
  state.held = "";
  // end() already sent everything; the socket may serve the next request by now.
  if (data && !r.writableEnded && !r.destroyed) r.write(data);
}

function flushTurn(): void {
  for (let i = 0; i < count; i++) {
    const r = holding[i]!;
    holding[i] = undefined;
    send(r);
  }
  count = 0;
  turn++;
}

function flushLater(r: Holding): void {
  r[kState]!.timer = undefined;
  send(r);
}

/**
 * Writes to a streaming response, coalescing writes into fewer socket sends.
 *
 * Every write made in the same turn of the event loop goes out in one send: an upstream often
 * delivers several events in one read (or a local model a token and its usage), and one syscall
 * per event was the streaming path's main cost. The turn's flush waits for setImmediate, after
 * the I/O callbacks of this turn and the promise chains they started, so an answer that also
 * ends in this turn goes out in one send, headers included. The writes are held as one string,
 * not corked on the socket: corked, each became its own chunk of the chunked encoding (size line,
 * data, CRLF: three buffers for the socket's writev), and converting and sending ~20 buffers per
 * streamed answer took a fifth of a proxied stream's CPU time (bench/gateway.ts).
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
  const r = raw as Holding;
  const state = (r[kState] ??= { turn: -1, sentAt: -Infinity, held: "" });
  if (state.turn !== turn && !Number.isNaN(state.turn)) { // nothing held yet
    const wait = intervalMs > 0 ? state.sentAt + intervalMs - performance.now() : 0;
    if (wait > 1) {
      state.turn = NaN;
      state.timer = setTimeout(flushLater, Math.ceil(wait), r);
    } else {
      state.turn = turn;
      if (count === 0) setImmediate(flushTurn);
      holding[count++] = r;
    }
  }
  state.held += data;
}

/**
 * Ends a response written with coalescedWrite, with what it still holds: a pending interval flush
 * is cancelled, so its timer does not keep the finished response (and all it references) alive
 * through the next young-generation collections.
 */
export function coalescedEnd(raw: ServerResponse, data?: string): void {
  const state = (raw as Holding)[kState];
  let tail = data ?? "";
  if (state) {
    if (state.timer) {
      clearTimeout(state.timer);
      state.timer = undefined;
    }
    tail = state.held + tail;
    state.held = "";
  }
  if (tail) raw.end(tail);
  else raw.end();
}
