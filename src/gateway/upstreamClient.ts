import type { IncomingHttpHeaders } from "node:http";
import type { Dispatcher, Pool } from "undici";
import { FreeholdError } from "../errors.ts";
import { upstreamHttpError, upstreamUnreachable } from "./upstreamErrors.ts";
import type { UpstreamTarget } from "./upstreamTarget.ts";

/** What the client reports, for /metrics (kept abstract: the gateway does not own metrics). */
export interface UpstreamObserver {
  /** One HTTP exchange: the status code, or "error" when no response came. */
  request(upstream: string, status: string): void;
  error(upstream: string, code: FreeholdError["code"]): void;
}

/**
 * HTTP to one upstream: a dedicated keep-alive connection pool, so proxied requests reuse warm
 * sockets and one slow upstream cannot starve another's connections. Aborting the signal
 * destroys the socket, which is how the upstream learns the client went away.
 *
 * Requests go through the pool's dispatch() with a handler of our own (Exchange): the answer's
 * chunks reach the caller as the socket delivers them, without the Readable stream, async
 * resource and abort plumbing of undici's request(), about a tenth of what proxying one request
 * cost.
 */
export class UpstreamClient {
  /** undici (~4 MB of heap) is imported with the first request, not at start (bench/memory.ts). */
  private pool?: Pool;
  private opening?: Promise<Pool>;
  private readonly basePath: string;
  /** Credentials written into the base URL (user:pass@host) become Basic auth when there is no key. */
  private readonly basicAuth?: string;

  constructor(readonly target: UpstreamTarget, private readonly observer?: UpstreamObserver) {
    const url = new URL(target.baseUrl);
    this.basePath = url.pathname.replace(/\/+$/, "");
    if (url.username) this.basicAuth = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`;
  }

  private open(): Promise<Pool> {
    return (this.opening ??= import("undici").then(({ Pool }) => (this.pool = new Pool(new URL(this.target.baseUrl).origin, {
      connections: 256,
      keepAliveTimeout: 30_000,
      // Tokens can be seconds apart while an upstream queues; a whole answer may take minutes.
      headersTimeout: 600_000,
      bodyTimeout: 600_000,
    }))));
  }

  /** POSTs a JSON body and reads the whole JSON answer. */
  async json(path: string, body: unknown, signal?: AbortSignal): Promise<any> {
    const answer = await this.exchange(path, body, signal);
    try {
      return JSON.parse(utf8(answer!));
    } catch (e) {
      throw this.fail(upstreamUnreachable(this.target.name, e));
    }
  }

  /**
   * POSTs a JSON body and hands the answer to a consumer chunk by chunk, as it arrives; resolves
   * once it has all been read (so the connection goes back to the pool). `start` gets the key
   * that was sent (errors quoting it must be redacted) and returns the consumer; if that throws,
   * the request is aborted and the promise rejects with its error.
   */
  async stream(path: string, body: unknown, signal: AbortSignal | undefined, start: (key: string | undefined) => (chunk: Buffer) => void): Promise<void> {
    await this.exchange(path, body, signal, start);
  }

  /** Errors met while reading a stream: counted the same way as the others. */
  fail(e: FreeholdError): FreeholdError {
    this.observer?.error(this.target.name, e.code);
    return e;
  }

  async close(): Promise<void> {
    if (this.opening) await (await this.opening).close();
  }

  /**
   * One request. Failures become our errors here, once: no response at all is "unreachable"
   * (counted as status "error"), an HTTP error keeps its meaning (upstreamErrors.ts), a body cut
   * short is the upstream's failure, and an abort by our signal rejects with its reason.
   */
  private async exchange(path: string, body: unknown, signal: AbortSignal | undefined, start?: (key: string | undefined) => (chunk: Buffer) => void): Promise<Buffer | undefined> {
    const name = this.target.name;
    const key = await this.target.apiKey();
    const headers: Record<string, string> = { "content-type": "application/json", accept: "application/json, text/event-stream" };
    if (key) headers.authorization = `Bearer ${key}`;
    else if (this.basicAuth) headers.authorization = this.basicAuth;
    const consume = start?.(key);
    let pool: Pool;
    try {
      pool = this.pool ?? (await this.open());
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      this.observer?.request(name, "error");
      throw this.fail(upstreamUnreachable(name, e));
    }
    return new Promise((resolve, reject) => {
      const exchange = new Exchange(signal, consume, (status) => this.observer?.request(name, String(status)), (err, status, resHeaders, answer) => {
        if (status >= 400) {
          const text = err === undefined && answer ? utf8(answer) : "";
          return reject(this.fail(upstreamHttpError(name, status, resHeaders ?? {}, text, key)));
        }
        if (err === undefined) return resolve(answer);
        if (signal?.aborted) return reject(signal.reason);
        if (!status) this.observer?.request(name, "error");
        reject(err instanceof FreeholdError && status ? this.fail(err) : this.fail(upstreamUnreachable(name, err)));
      });
      pool.dispatch({ path: this.basePath + path, method: "POST", headers, body: JSON.stringify(body) }, exchange);
    });
  }
}

/**
 * undici's handler for one exchange. A streamed answer goes to `consume` as it arrives; a whole
 * one (no consumer) and an error's body are buffered. `done` is called once.
 */
class Exchange implements Dispatcher.DispatchHandler {
  /**
   * All the abort listener reaches, emptied when the exchange ends. Node's AbortSignals, and the
   * listeners once added to them, outlive V8's young-generation collections until a full one
   * (measured, Node 20): a listener closing over the exchange made everything the exchange
   * referenced (the route's closures, the answer) survive and get promoted, ~4 KB for every
   * proxied request, a 2-3 ms scavenge every few hundred requests.
   */
  private readonly abortable: { controller?: Dispatcher.DispatchController } = {};
  private status = 0;
  private headers?: IncomingHttpHeaders;
  private buffered?: Buffer[];
  private failure: unknown;
  private settled = false;
  private readonly onAbort?: () => void;

  constructor(
    private readonly signal: AbortSignal | undefined,
    private readonly consume: ((chunk: Buffer) => void) | undefined,
    private readonly onStatus: (status: number) => void,
    private readonly done: (err: unknown, status: number, headers: IncomingHttpHeaders | undefined, answer: Buffer | undefined) => void,
  ) {
    if (signal) {
      // Before the request is on a connection, the abort waits for onRequestStart.
      const abortable = this.abortable;
      this.onAbort = () => abortable.controller?.abort(signal.reason);
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.abortable.controller = controller;
    if (this.signal?.aborted) controller.abort(this.signal.reason);
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // informational: the real answer follows
    this.status = statusCode;
    this.headers = headers;
    if (statusCode >= 400 || !this.consume) this.buffered = [];
    this.onStatus(statusCode);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.buffered) {
      this.buffered.push(chunk);
      return;
    }
    if (this.failure !== undefined) return;
    try {
      this.consume!(chunk);
    } catch (e) {
      this.failure = e;
      controller.abort(e instanceof Error ? e : new Error(String(e)));
    }
  }

  onResponseEnd(): void {
    this.settle(undefined);
  }

  onResponseError(_c: Dispatcher.DispatchController | undefined, err: Error): void {
    this.settle(this.failure !== undefined ? this.failure : err);
  }

  private settle(err: unknown): void {
    if (this.settled) return;
    this.settled = true;
    if (this.onAbort) this.signal!.removeEventListener("abort", this.onAbort);
    this.abortable.controller = undefined;
    const b = this.buffered;
    this.done(err, this.status, this.headers, b ? (b.length === 1 ? b[0] : Buffer.concat(b)) : undefined);
  }
}

/** UTF-8, a byte-order mark dropped (as undici's body.json() and text() do). */
const utf8 = (b: Buffer) => (b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.toString("utf8", 3) : b.toString("utf8"));
