import { createHash } from "node:crypto";
import { mkdir, open, unlink } from "node:fs/promises";
import path from "node:path";
import { FreeholdError } from "../../errors.ts";
import { checkSpace, commit, hashInto, sizeOf, type StatfsFn } from "./files.ts";
import { redactUrl, upstream, type FetchFn } from "./http.ts";
import { lockPartial } from "./lock.ts";
import { request, reset, Retryable, type State } from "./range.ts";

export type { StatfsFn } from "./files.ts";

export interface Progress {
  downloaded: number;
  total?: number;
}

export interface DownloadOptions {
  url: string;
  dest: string;
  partialPath: string;
  expectedSha256?: string;
  expectedSize?: number;
  headers?: Record<string, string>;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** Retries after a failed attempt that made no progress; default 3. */
  retries?: number;
  /** First backoff, doubled per consecutive failure; default 500 ms. */
  retryDelayMs?: number;
  progressIntervalMs?: number;
  statfs?: StatfsFn;
  fetch?: FetchFn;
}

export interface DownloadResult {
  path: string;
  sha256: string;
  size: number;
}

/**
 * Downloads `url` into `partialPath`, resuming what is already there, then verifies size and
 * SHA-256 and atomically renames it to `dest`. A file only ever appears at `dest` verified.
 */
export async function downloadFile(o: DownloadOptions): Promise<DownloadResult> {
  await mkdir(path.dirname(o.partialPath), { recursive: true });
  await mkdir(path.dirname(o.dest), { recursive: true });
  const release = await lockPartial(o.partialPath);
  try {
    return await run(o);
  } finally {
    await release();
  }
}

async function run(o: DownloadOptions): Promise<DownloadResult> {
  const s: State = { offset: await sizeOf(o.partialPath), hash: createHash("sha256"), total: o.expectedSize };
  if (o.expectedSize !== undefined && s.offset > o.expectedSize) await reset(o, s);
  await checkSpace(o.partialPath, o.dest, o.expectedSize, s.offset, o.statfs);
  if (s.offset > 0) await hashInto(o.partialPath, s.hash); // resumed bytes are part of the digest
  const progress = throttle(o, s);
  progress(true);
  const retries = o.retries ?? 3;
  let failures = 0;
  while (o.expectedSize === undefined || s.offset < o.expectedSize) {
    const before = s.offset;
    try {
      const res = await request(o, s);
      if (!res) break; // 416: the partial already holds the whole file
      await append(o, s, res, progress);
      if (o.expectedSize === undefined) break;
      if (s.offset < o.expectedSize) throw new Retryable("connection closed before the end of the file");
    } catch (err) {
      if (o.signal?.aborted || !(err instanceof Retryable)) throw err;
      // A server that keeps cutting us off but lets us progress is fine; only stalls count.
      failures = s.offset > before ? 1 : failures + 1;
      if (failures > retries) throw upstream(`download of ${redactUrl(o.url)} failed: ${(err as Error).message}`, err);
      await new Promise((r) => setTimeout(r, (o.retryDelayMs ?? 500) * 2 ** (failures - 1)));
    }
  }
  progress(true);
  o.signal?.throwIfAborted(); // a caller that gave up must not find the file appear anyway
  const sha256 = s.hash.digest("hex");
  const fail = async (msg: string) => {
    await unlink(o.partialPath).catch(() => {});
    return upstream(`${msg} for ${redactUrl(o.url)}; the partial download was deleted`);
  };
  if (o.expectedSize !== undefined && s.offset !== o.expectedSize) {
    throw await fail(`size mismatch: expected ${o.expectedSize} bytes, got ${s.offset}`);
  }
  if (o.expectedSha256 && sha256 !== o.expectedSha256.toLowerCase()) {
    throw await fail(`SHA-256 mismatch: expected ${o.expectedSha256}, got ${sha256}`);
  }
  await commit(o.partialPath, o.dest);
  return { path: o.dest, sha256, size: s.offset };
}

async function append(o: DownloadOptions, s: State, res: Response, progress: (force?: boolean) => void) {
  const fh = await open(o.partialPath, "a");
  const reader = res.body!.getReader();
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        if (o.signal?.aborted) throw err;
        throw new Retryable(`connection lost after ${s.offset} bytes (${(err as Error).message})`);
      }
      if (chunk.done) break;
      try {
        const { bytesWritten } = await fh.write(chunk.value);
        // A short write to a regular file means the disk filled up; hash and file must stay in step.
        if (bytesWritten !== chunk.value.length) throw Object.assign(new Error("short write"), { code: "ENOSPC" });
      } catch (err) {
        const full = (err as NodeJS.ErrnoException).code === "ENOSPC";
        throw new FreeholdError(full ? "insufficient_storage" : "internal", `writing ${o.partialPath} failed: ${(err as Error).message}`, { cause: err });
      }
      s.hash.update(chunk.value);
      s.offset += chunk.value.length;
      progress();
    }
    await fh.sync();
  } finally {
    await reader.cancel().catch(() => {}); // frees the connection if we stopped early
    await fh.close();
  }
}

function throttle(o: DownloadOptions, s: State) {
  let last = 0;
  return (force = false) => {
    const now = Date.now();
    if (!o.onProgress || (!force && now - last < (o.progressIntervalMs ?? 250))) return;
    last = now;
    o.onProgress({ downloaded: s.offset, total: s.total });
  };
}
