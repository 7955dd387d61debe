import { Pool, type Dispatcher } from "undici";
import type { FreeholdError } from "../errors.ts";
import { upstreamHttpError, upstreamUnreachable } from "./upstreamErrors.ts";
import type { UpstreamTarget } from "./upstreamTarget.ts";

/** What the client reports, for /metrics (kept abstract: the gateway does not own metrics). */
export interface UpstreamObserver {
  /** One HTTP exchange: the status code, or "error" when no response came. */
  request(upstream: string, status: string): void;
  error(upstream: string, code: FreeholdError["code"]): void;
}

export interface UpstreamResponse {
  body: Dispatcher.ResponseData["body"];
  /** The key sent, so errors quoting it can be redacted. */
  key?: string;
}

/**
 * HTTP to one upstream: a dedicated keep-alive connection pool, so proxied requests reuse warm
 * sockets and one slow upstream cannot starve another's connections. Aborting the signal
 * destroys the socket, which is how the upstream learns the client went away.
 */
export class UpstreamClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  /** Credentials written into the base URL (user:pass@host) become Basic auth when there is no key. */
  private readonly basicAuth?: string;

  constructor(readonly target: UpstreamTarget, private readonly observer?: UpstreamObserver) {
    const url = new URL(target.baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, "");
    if (url.username) this.basicAuth = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
    this.pool = new Pool(url.origin, {
      connections: 256,
      keepAliveTimeout: 30_000,
      // Tokens can be seconds apart while an upstream queues; a whole answer may take minutes.
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    });
  }

  async post(path: string, body: unknown, signal?: AbortSignal): Promise<UpstreamResponse> {
    const name = this.target.name;
    const key = await this.target.apiKey();
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    if (key) headers.authorization = `Bearer ${key}`;
    else if (this.basicAuth) headers.authorization = this.basicAuth;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.pool.request({ path: this.basePath + path, method: "POST", headers, body: JSON.stringify(body), signal });
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      this.observer?.request(name, "error");
      throw this.fail(upstreamUnreachable(name, e));
    }
    this.observer?.request(name, String(res.statusCode));
    if (res.statusCode >= 400) {
      const text = await res.body.text().catch(() => "");
      throw this.fail(upstreamHttpError(name, res.statusCode, res.headers, text, key));
    }
    return { body: res.body, key };
  }

  /** Reads a whole JSON answer; a body cut short is the upstream's failure, an abort is ours. */
  async json(res: UpstreamResponse, signal?: AbortSignal): Promise<any> {
    try {
      return await res.body.json();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw this.fail(upstreamUnreachable(this.target.name, e));
    }
  }

  /** Errors met while reading a stream: counted the same way as the others. */
  fail(e: FreeholdError): FreeholdError {
    this.observer?.error(this.target.name, e.code);
    return e;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
