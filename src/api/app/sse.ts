/** Server-sent events for a streamed answer; headers go out with the first event, so early errors stay plain JSON. */
import type { FastifyReply } from "fastify";
import { normalizeError } from "../errors.ts";
import { coalescedEnd, coalescedWrite } from "../coalesce.ts";

export class AppSse {
  private started = false;
  readonly abort = new AbortController();

  constructor(private readonly reply: FastifyReply) {
    // The client went away (stop button, closed tab): stop generating, keep the partial answer.
    reply.raw.once("close", () => { if (!reply.raw.writableFinished) this.abort.abort(); });
  }

  send(event: unknown): void {
    if (!this.started) {
      this.started = true;
      this.reply.hijack();
      this.reply.raw.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" });
    }
    if (!this.reply.raw.destroyed) coalescedWrite(this.reply.raw, `data: ${JSON.stringify(event)}\n\n`, this.reply.server.streamIntervalMs);
  }

  end(event: unknown): void {
    this.send(event);
    coalescedEnd(this.reply.raw);
  }

  /** Before the first event the normal error handler answers; after it, an error event ends the stream. */
  fail(err: unknown, event = (message: string): unknown => ({ error: message })): void {
    if (!this.started) throw err;
    this.end(event(normalizeError(err).message));
  }
}

/** Runs a generation as an SSE response ending in `{done: true, message}`. */
export async function streamAnswer<T>(reply: FastifyReply, run: (sse: AppSse) => Promise<T>, done: (r: T) => unknown): Promise<void> {
  const sse = new AppSse(reply);
  try {
    const r = await run(sse);
    sse.end({ done: true, ...(done(r) as object) });
  } catch (err) {
    sse.fail(err);
  }
}
