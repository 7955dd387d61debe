import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

export const median = (xs: number[]) => percentile(xs, 50);

/** Nearest-rank percentile (p in 0..100) of unsorted numbers; NaN for none. */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : "-");
export const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : "-");
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const log = (tag: string, s: string) => console.error(`[${tag}] ${s}`);

export function freePort(): Promise<number> {
  return new Promise((ok, no) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    }).on("error", no);
  });
}

/** Resident memory of a process from /proc (Linux): total, anonymous and file-backed, in bytes. */
export function rssOf(pid: number): { rss: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (key: string) => Number(status.match(new RegExp(`^${key}:\\s+(\\d+) kB`, "m"))?.[1] ?? NaN) * 1024;
  return { rss: kb("VmRSS"), anon: kb("RssAnon"), file: kb("RssFile") + kb("RssShmem") };
}

/**
 * Runs a TypeScript bench worker in its own Node process (so each configuration gets its own
 * environment, e.g. UV_THREADPOOL_SIZE, which libuv reads once) and returns the JSON it prints
 * as its last stdout line.
 */
export async function runWorker<T>(script: string, args: unknown, env: Record<string, string | undefined> = {}, timeoutMs = 10 * 60_000, nodeArgs: string[] = []): Promise<T> {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", join(ROOT, script), JSON.stringify(args)], {
    stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env },
  });
  let out = "", err = "";
  child.stdout!.setEncoding("utf8").on("data", (c: string) => { out += c; });
  child.stderr!.setEncoding("utf8").on("data", (c: string) => { err += c; });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  clearTimeout(timer);
  const last = out.trim().split("\n").at(-1) ?? "";
  if (code !== 0 || !last.startsWith("{")) throw new Error(`${script} failed (exit ${code}): ${err.slice(-2000)}`);
  return JSON.parse(last) as T;
}

/**
 * Starts `freehold serve` (the real CLI entry, so bin/freehold.js's environment applies), from
 * this checkout or from `root`, another one (a before/after comparison).
 */
export async function startFreehold(home: string, env: Record<string, string | undefined> = {}, root = ROOT, opts: { demo?: boolean } = {}): Promise<{ child: ChildProcess; url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(root, "bin/freehold.js"), "--home", home, "serve", "--port", String(port), ...(opts.demo ? [] : ["--no-demo"])], {
    stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, LOG_LEVEL: "warn", ...env },
  });
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => { err = (err + c).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(t);
  };
  for (let i = 0; i < 1200; i++) { // up to 2 minutes: a first start creates the database
    if (child.exitCode !== null) throw new Error(`freehold serve exited with ${child.exitCode}: ${err}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { child, url, stop };
    } catch { /* not yet */ }
    await sleep(100);
  }
  await stop();
  throw new Error(`freehold serve did not answer /health: ${err}`);
}
