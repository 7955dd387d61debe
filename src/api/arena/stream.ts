/**
 * One server-sent-event stream per battle turn. Events:
 *   {type:"battle", battle}            the battle (blind view) once it exists
 *   {type:"delta", side:"a"|"b", text} a piece of one side's answer
 *   {type:"side_done", side, stopped, failed}  once per side
 *   {type:"done", battle}              the stored turn (blind view until the vote)
 *   {type:"error", error}              after the stream started; before, errors are plain JSON
 * The client going away cancels both generations; what each side wrote so far is kept.
 */
import type { FastifyReply } from "fastify";
import type { TurnEvents } from "../../arena/battles.ts";
import type { BattleView } from "../../arena/present.ts";
import { normalizeError } from "../errors.ts";

class TurnStream {
  private started = false;
  readonly abort = new AbortController();

  constructor(private readonly reply: FastifyReply) {
    reply.raw.once("close", () => { if (!reply.raw.writableFinished) this.abort.abort(); });
  }

  send(event: object): void {
    if (!this.started) {
      this.started = true;
      this.reply.hijack();
      this.reply.raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" });
    }
    if (!this.reply.raw.destroyed) this.reply.raw.write(`data: ${JSON.stringify(event)}\n\n`);
  }

  end(event: object): void {
    this.send(event);
    this.reply.raw.end();
  }

  fail(err: unknown): void {
    if (!this.started) throw err;
    this.end({ type: "error", error: normalizeError(err).message });
  }
}

/** Runs a turn (`run` gets the events and the client's abort signal) as an SSE response. */
export async function streamTurn(reply: FastifyReply, run: (events: TurnEvents, signal: AbortSignal) => Promise<BattleView>): Promise<void> {
  const sse = new TurnStream(reply);
  const events: TurnEvents = {
    onStart: (battle) => sse.send({ type: "battle", battle }),
    onDelta: (side, text) => sse.send({ type: "delta", side, text }),
    onSideDone: (side, a) => sse.send({ type: "side_done", side, stopped: a.stopped, failed: a.error !== undefined }),
  };
  try {
    sse.end({ type: "done", battle: await run(events, sse.abort.signal) });
  } catch (err) {
    sse.fail(err);
  }
}
