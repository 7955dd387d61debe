import type { FastifyReply, FastifyRequest } from "fastify";
import { FreeholdError } from "../../errors.ts";
import { normalizeError, statusOf } from "../errors.ts";
import { coalescedEnd, coalescedWrite } from "../coalesce.ts";

const SSE_HEADERS = [
  "content-type", "text/event-stream; charset=utf-8",
  "cache-control", "no-cache",
  "connection", "keep-alive",
  "x-accel-buffering", "no", // proxies such as nginx must not buffer tokens
];
const SSE_HEADER_NAMES = new Set(SSE_HEADERS.filter((_, i) => i % 2 === 0));

/**
 * Server-sent events as OpenAI sends them: `data: {json}\n\n`, ending with `data: [DONE]`.
 * Headers go out lazily, with the first event, so that anything failing before generation
 * starts (unknown model, queue full, prompt too long) still gets its own status code and JSON
 * error body through the shared error handler.
 */
export class SseStream {
  private started = false;

  constructor(private req: FastifyRequest, private reply: FastifyReply) {}

  get isStarted(): boolean {
    return this.started;
  }

  /** The client is gone or we ended: writes would go nowhere. */
  private get dead(): boolean {
    return this.reply.raw.destroyed || this.reply.raw.writableEnded;
  }

  send(event: unknown): void {
    if (!this.started) this.start();
    if (!this.dead) coalescedWrite(this.reply.raw, `data: ${JSON.stringify(event)}\n\n`, this.reply.server.streamIntervalMs);
  }

  /** A named event, as the Responses API sends them (`event: <type>` before its data). */
  event(type: string, body: unknown): void {
    if (!this.started) this.start();
    if (!this.dead) coalescedWrite(this.reply.raw, `event: ${type}\ndata: ${JSON.stringify(body)}\n\n`, this.reply.server.streamIntervalMs);
  }

  /** Ends with `data: [DONE]`, as chat and completion streams do; `tail` instead for streams without it. */
  end(tail = "data: [DONE]\n\n"): void {
    if (!this.started) this.start();
    if (!this.dead) coalescedEnd(this.reply.raw, tail);
  }

  /**
   * Before the stream began, errors take the normal path; after, they become the stream's last
   * event: an `error` object, or what `last` makes of the error (the Responses API's `response.failed`).
   */
  fail(err: unknown, last?: (e: FreeholdError) => string): void {
    if (!this.started) throw err;
    const e = normalizeError(err);
    const status = statusOf(e);
    if (status >= 500) this.req.log.error({ err: e.details.cause ?? e }, e.message);
    else this.req.log.info({ code: e.code }, `stream ended by error: ${e.message}`);
    const type = status >= 500 ? "server_error" : status === 429 ? "rate_limit_exceeded" : "invalid_request_error";
    if (!this.dead) {
      coalescedEnd(this.reply.raw, last ? last(e) : `data: ${JSON.stringify({ error: { message: e.message, type, param: e.details.param ?? null, code: e.code } })}\n\n`);
    }
  }

  private start(): void {
    this.started = true;
    this.reply.hijack(); // from here on we own the socket; Fastify must not send its own reply
    // A flat [name, value, …] list: Node writes it as it is, with no header object to build and walk.
    const headers: (string | number | string[])[] = [...SSE_HEADERS];
    const set = this.reply.getHeaders(); // the hooks' (request id, CORS)
    for (const k in set) {
      const v = set[k];
      if (v !== undefined && !SSE_HEADER_NAMES.has(k)) headers.push(k, v);
    }
    this.reply.raw.writeHead(200, headers as string[]);
  }
}

/**
 * Aborts when the client goes away before the response finished, so the runtime frees the
 * sequence. The reason is a client-side error: nobody is left to read it, and it must not be
 * logged as a server failure.
 */
export function abortOnDisconnect(reply: FastifyReply): AbortController {
  const c = new AbortController();
  reply.raw.once("close", () => {
    if (!reply.raw.writableFinished) c.abort(new FreeholdError("invalid_request", "the client closed the connection"));
  });
  return c;
}
