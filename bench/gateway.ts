/**
 * Gateway overhead: what Freehold adds when proxying an OpenAI-compatible upstream that
 * answers instantly. The same client sends the same request straight to the upstream and
 * through `freehold serve` (a separate process, as in production); the difference is ours.
 *
 *   node --import tsx bench/gateway.ts [--quick] [--dry-run]   (--dry-run: print, do not write)
 *
 * Three processes share the machine's cores: the upstream, Freehold and the load generator.
 * Writes the "gateway" section of BENCHMARKS.md.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { load, percentile, type LoadResult } from "./gatewayLoad.ts";
import { machine, table, writeSection } from "./lib/report.ts";

const ROOT = resolve(import.meta.dirname, "..");
const message = { messages: [{ role: "user", content: "Hello" }], max_tokens: 16 };

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const q = opts.quick ?? false;
  const upstream = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/gatewayUpstream.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  const children: ChildProcess[] = [upstream];
  const home = mkdtempSync(join(tmpdir(), "fh-bench-gw-"));
  const load1 = loadavg()[0]; // the machine may be shared: say how busy it was
  try {
    const upPort = Number(await firstLine(upstream));
    writeFileSync(join(home, "config.json"), JSON.stringify({
      upstreams: [{ name: "remote", baseUrl: `http://127.0.0.1:${upPort}/v1`, apiKey: "sk-bench", remoteModel: "bench" }],
    }));
    const direct = { url: `http://127.0.0.1:${upPort}`, model: "bench" };
    const rows: (string | number)[][] = [];
    const throughput: (string | number)[][] = [];
    for (const level of ["warn", "info"]) {
      const { child, url } = await startFreehold(home, level);
      children.push(child);
      const proxied = { url, model: "remote" };
      for (const stream of [false, true]) {
        const kind = `${stream ? "streamed" : "whole"} answer, log level ${level}`;
        // Latency: one connection, requests back to back, so no queueing hides in the numbers.
        const n = q ? 1000 : 5000;
        const d = await measure(direct, stream, { connections: 1, requests: n });
        const p = await measure(proxied, stream, { connections: 1, requests: n });
        rows.push([kind, ms(pc(d, 50)), ms(pc(p, 50)), ms(pc(p, 50) - pc(d, 50)), ms(pc(d, 99)), ms(pc(p, 99)), ms(pc(p, 99) - pc(d, 99))]);
        // Throughput: many connections for a fixed time.
        const durationMs = q ? 3000 : 10_000;
        const dt = await measure(direct, stream, { connections: 64, durationMs });
        const pt = await measure(proxied, stream, { connections: 64, durationMs });
        throughput.push([kind, rps(dt), rps(pt), ms(pc(pt, 50)), ms(pc(pt, 99)), pt.errors]);
      }
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    const md = [
      "## Gateway overhead (proxying an instant upstream)",
      "",
      `Machine: ${machine()}. Method: \`bench/gateway.ts\`; a Node upstream that answers instantly ` +
      "(fixed chat completion, or 3 SSE chunks + usage + [DONE]), `freehold serve` in its own process " +
      "with the upstream from config.json, and an undici closed-loop client; all three processes share the cores. " +
      "Added latency = through Freehold minus straight to the upstream, same client, 1 connection, back-to-back requests " +
      `(${q ? 1000 : 5000} each). Throughput: 64 connections for ${q ? 3 : 10} s. Goal: under 1 ms added, over 5,000 requests/s. ` +
      `Load average when the run started: ${load1.toFixed(2)} (other work on the machine widens the tails).`,
      "",
      table(["request", "direct p50", "via Freehold p50", "added p50", "direct p99", "via Freehold p99", "added p99"], rows),
      "",
      table(["request", "direct req/s", "via Freehold req/s", "via Freehold p50 (64 conns)", "p99", "errors"], throughput),
    ].join("\n");
    if (!opts.dryRun) writeSection("gateway", md);
    return md;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    rmSync(home, { recursive: true, force: true });
  }
}

async function measure(target: { url: string; model: string }, stream: boolean, o: { connections: number; requests?: number; durationMs?: number }) {
  const body = JSON.stringify({ model: target.model, ...message, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
  const args = { url: target.url, path: "/v1/chat/completions", body, connections: o.connections };
  await load({ ...args, requests: Math.max(200, o.connections * 20) }); // warm up sockets and the JIT
  return load({ ...args, requests: o.requests, durationMs: o.durationMs });
}

const pc = (r: LoadResult, p: number) => percentile(r.latencies, p);
const ms = (v: number) => `${v.toFixed(3)} ms`;
const rps = (r: LoadResult) => Math.round(r.requests / r.seconds).toLocaleString("en-US");

async function startFreehold(home: string, level: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, "bin/freehold.js"), "--home", home, "serve", "--port", String(port), "--no-demo"], {
    stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, LOG_LEVEL: level },
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`freehold serve exited with ${child.exitCode}`);
    try { if ((await fetch(`${url}/health`)).ok) return { child, url }; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("freehold serve did not start");
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((ok, no) => {
    let out = "";
    child.stdout!.on("data", (c) => { out += c; if (out.includes("\n")) ok(out.split("\n")[0]); });
    child.once("exit", (code) => no(new Error(`upstream exited with ${code}`)));
  });
}

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
