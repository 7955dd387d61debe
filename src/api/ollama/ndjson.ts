import type { FastifyReply, FastifyRequest } from "fastify";
import { coalescedEnd, coalescedWrite } from "../coalesce.ts";

/**
 * Newline-delimited JSON, Ollama's streaming format. Headers go out with the first line, not
 * before: until then an error still becomes a proper status (404, 429, 400) through sendError.
 * After that, an error can only be a final `{"error": "..."}` line.
 */
export class NdjsonStream {
  private started = false;

  constructor(private reply: FastifyReply) {}

  get isStarted() {
    return this.started;
  }

  write(obj: object) {
    const raw = this.reply.raw;
    if (raw.destroyed || raw.writableEnded) return;
    if (!this.started) {
      this.started = true;
      this.reply.hijack();
      const headers = { ...this.reply.getHeaders(), "content-type": "application/x-ndjson", "cache-control": "no-cache" };
      raw.writeHead(200, headers as Record<string, string>);
    }
    coalescedWrite(raw, JSON.stringify(obj) + "\n", this.reply.server.streamIntervalMs);
  }

  end(last?: object) {
    if (last) this.write(last);
    if (this.started && !this.reply.raw.writableEnded) coalescedEnd(this.reply.raw);
  }

  /** The client left: close what is open, send nothing more. */
  abandon() {
    if (this.started) return this.end();
    this.reply.hijack();
    this.reply.raw.destroy();
  }
}

/**
 * An AbortSignal that fires when the client goes away before the response has been sent, so
 * generation (or a download) stops instead of running for nobody.
 */
export function clientGone(req: FastifyRequest, reply: FastifyReply): AbortSignal {
  const ac = new AbortController();
  const onClose = () => {
    if (!reply.raw.writableFinished) ac.abort(new Error("client disconnected"));
  };
  reply.raw.once("close", onClose);
  return ac.signal;
}

/** RFC 3339 timestamp, as Ollama's `created_at`. */
export const now = () => new Date().toISOString();
