import { Pool } from "undici";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Latencies in milliseconds, sorted. */
  latencies: Float64Array;
}

/**
 * A closed-loop load generator: `connections` workers on keep-alive sockets, each sending the
 * next request as soon as the previous answer is fully read. Latency is timed with
 * performance.now() around each request (microsecond resolution; autocannon reports whole ms,
 * too coarse for sub-millisecond overhead).
 */
export async function load(opts: { url: string; path: string; body: string; connections: number; durationMs?: number; requests?: number }): Promise<LoadResult> {
  const pool = new Pool(opts.url, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const lat: number[] = [];
  let errors = 0, sent = 0;
  const deadline = performance.now() + (opts.durationMs ?? Infinity);
  const limit = opts.requests ?? Infinity;
  const headers = { "content-type": "application/json", authorization: "Bearer bench" };
  const started = performance.now();
  const worker = async () => {
    while (sent < limit && performance.now() < deadline) {
      sent++;
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: opts.path, method: "POST", headers, body: opts.body });
        await res.body.text();
        if (res.statusCode !== 200) errors++;
        else lat.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.connections }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  return { requests: lat.length, errors, seconds, latencies: Float64Array.from(lat).sort() };
}

export const percentile = (sorted: Float64Array, p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
