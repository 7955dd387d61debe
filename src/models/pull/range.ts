import { createHash, type Hash } from "node:crypto";
import { truncate } from "node:fs/promises";
import { FreeholdError, notFound } from "../../errors.ts";
import type { DownloadOptions } from "./download.ts";
import { authError, fetchFollowing, redactUrl, upstream } from "./http.ts";

// One HTTP attempt of a resumable download: decides from the status and Content-Range whether to
// append, start over, stop (already complete), retry or give up.

/** Network trouble worth another attempt (cut connection, 5xx); everything else is final. */
export class Retryable extends Error {}
const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);

export interface State {
  offset: number;
  hash: Hash;
  total?: number;
}

export async function reset(o: DownloadOptions, s: State) {
  await truncate(o.partialPath, 0).catch(() => {});
  s.offset = 0;
  s.hash = createHash("sha256");
}

/** Sends the (range) request; returns the response to stream, or undefined when already complete. */
export async function request(o: DownloadOptions, s: State): Promise<Response | undefined> {
  const headers = { ...o.headers, ...(s.offset > 0 ? { range: `bytes=${s.offset}-` } : {}) };
  let res: Response;
  try {
    res = await fetchFollowing(o.url, headers, o.signal, o.fetch);
  } catch (err) {
    if (o.signal?.aborted || err instanceof FreeholdError) throw err;
    throw new Retryable(`cannot connect (${(err as Error).message})`);
  }
  const range = /^bytes (?:(\d+)-\d+|\*)\/(\d+)$/.exec(res.headers.get("content-range") ?? "");
  if (res.status === 416 && s.offset > 0 && Number(range?.[2]) === s.offset) return undefined;
  if (res.ok) {
    if (res.status === 206 && Number(range?.[1]) !== s.offset) {
      await res.body?.cancel();
      await reset(o, s);
      throw new Retryable("server answered with the wrong byte range; restarting from zero");
    }
    if (res.status !== 206 && s.offset > 0) await reset(o, s); // range ignored: full body follows
    const length = Number(res.headers.get("content-length") ?? NaN);
    s.total ??= range ? Number(range[2]) : Number.isFinite(length) ? s.offset + length : undefined;
    return res;
  }
  await res.body?.cancel();
  if (res.status === 416) {
    await reset(o, s); // our partial does not fit the remote file; start over
    throw new Retryable("server rejected the resume range");
  }
  if (RETRY_STATUS.has(res.status)) throw new Retryable(`server answered HTTP ${res.status}`);
  if (res.status === 404) throw notFound(`${redactUrl(o.url)} not found on the hub`);
  const what = redactUrl(o.url);
  const tokenSent = Object.keys(o.headers ?? {}).some((k) => k.toLowerCase() === "authorization");
  if (res.status === 401 || res.status === 403) throw authError(res.status, what, tokenSent);
  throw upstream(`download of ${what} failed: HTTP ${res.status}`);
}

