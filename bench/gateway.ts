/**
 * Gateway overhead: what Freehold adds when proxying an OpenAI-compatible upstream that
 * answers instantly. The same client sends the same request straight to the upstream and
 * through `freehold serve` (a separate process, as in production); the difference is ours.
 *
 *   node --import tsx bench/gateway.ts [--quick] [--dry-run] [--baseline=<commit>]
 *
 * The server runs from a built snapshot of this tree (bin/build.mjs: precompiled, as after
 * `npm install`, and immune to edits made during the run), and with --baseline also from that
 * commit's tree, built the same way; the variants are measured in turn in each round, so the
 * before/after ratios come from one run on one machine. Three processes share the machine's
 * cores: the upstream, Freehold and the load generator. Writes the "gateway" section of
 * BENCHMARKS.md.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { load, percentile, type LoadResult } from "./gatewayLoad.ts";
import { log, ROOT, startFreehold } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";

const message = { messages: [{ role: "user", content: "Hello" }], max_tokens: 16 };

interface Variant {
  label: string;
  root: string;
  env?: Record<string, string>;
}

interface Sample {
  p50: number;
  p99: number;
  rps: number;
  /** Server CPU time (user + system) per request over the throughput run, in microseconds. */
  cpuUs: number;
  errors: number;
}

export async function run(opts: { quick?: boolean; dryRun?: boolean; baseline?: string } = {}): Promise<string> {
  const q = opts.quick ?? false;
  const baselineRev = opts.baseline ?? process.argv.find((a) => a.startsWith("--baseline="))?.slice("--baseline=".length);
  const rounds = q ? 1 : 2;
  const latencyRequests = q ? 1000 : 5000;
  const durationMs = q ? 3000 : 10_000;
  const warmMs = q ? 1000 : 3000;
  const load1 = loadavg()[0]; // the machine may be shared: say how busy it was

  const trees = [...(baselineRev ? [snapshot(baselineRev)] : []), snapshot()];
  const upstream = spawn(process.execPath, ["--import", "tsx", join(ROOT, "bench/gatewayUpstream.ts")], { stdio: ["ignore", "pipe", "inherit"] });
  const children: ChildProcess[] = [upstream];
  const homes: string[] = [];
  try {
    const upPort = Number(await firstLine(upstream));
    /** A data folder per server (one PGlite database cannot be shared), each with the upstream in config.json. */
    const newHome = () => {
      const home = mkdtempSync(join(tmpdir(), "fh-bench-gw-"));
      homes.push(home);
      writeFileSync(join(home, "config.json"), JSON.stringify({
        upstreams: [{ name: "remote", baseUrl: `http://127.0.0.1:${upPort}/v1`, apiKey: "sk-bench", remoteModel: "bench" }],
      }));
      return home;
    };
    const after = trees.at(-1)!;
    const variants: Variant[] = [
      ...(baselineRev ? [{ label: trees[0].label, root: trees[0].root }] : []),
      { label: "this tree, young generation kept at 1 MB", root: after.root, env: { FREEHOLD_YOUNG_GENERATION: "small" } },
      { label: "this tree", root: after.root },
    ];
    const direct = { url: `http://127.0.0.1:${upPort}`, model: "bench" };
    const kinds: { level: string; stream: boolean; name: string }[] = [];
    for (const level of ["warn", "info"]) for (const stream of [false, true]) kinds.push({ level, stream, name: `${stream ? "streamed" : "whole"} answer, log level ${level}` });
    const samples = new Map<string, Sample[]>(); // `${kind}|${variant or "direct"}`
    const add = (k: string, s: Sample) => samples.set(k, [...(samples.get(k) ?? []), s]);

    for (const level of ["warn", "info"]) {
      const servers = [];
      for (const v of variants) {
        const s = await startFreehold(newHome(), { LOG_LEVEL: level, ...v.env }, v.root);
        children.push(s.child);
        servers.push({ v, s });
      }
      for (let r = 0; r < rounds; r++) {
        for (const kind of kinds.filter((k) => k.level === level)) {
          add(`${kind.name}|direct`, await measure(direct, kind.stream, undefined));
          // Alternate the order between rounds, so neither side always runs first.
          const order = r % 2 ? [...servers].reverse() : servers;
          for (const { v, s } of order) {
            const x = await measure({ url: s.url, model: "remote" }, kind.stream, s.child.pid);
            add(`${kind.name}|${v.label}`, x);
            log("gateway", `round ${r + 1}, ${kind.name}, ${v.label}: p50 ${ms(x.p50)}, p99 ${ms(x.p99)}, ${Math.round(x.rps)} req/s, ${x.cpuUs.toFixed(0)} µs CPU/request`);
          }
        }
      }
      for (const { s } of servers) await s.stop();
    }

    async function measure(target: { url: string; model: string }, stream: boolean, pid: number | undefined): Promise<Sample> {
      const body = JSON.stringify({ model: target.model, ...message, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
      const args = { url: target.url, path: "/v1/chat/completions", body };
      // Latency: one connection, requests back to back, so no queueing hides in the numbers.
      await load({ ...args, connections: 1, durationMs: warmMs });
      const lat = await load({ ...args, connections: 1, requests: latencyRequests });
      // Throughput: many connections for a fixed time.
      await load({ ...args, connections: 64, durationMs: warmMs });
      const cpu0 = pid ? cpuMs(pid) : 0;
      const tp = await load({ ...args, connections: 64, durationMs });
      const cpu = pid ? cpuMs(pid) - cpu0 : NaN;
      return { p50: pc(lat, 50), p99: pc(lat, 99), rps: tp.requests / tp.seconds, cpuUs: (cpu * 1000) / tp.requests, errors: lat.errors + tp.errors };
    }

    const med = (k: string, f: (s: Sample) => number) => middle((samples.get(k) ?? []).map(f));
    const latencyRows: (string | number)[][] = [];
    const throughputRows: (string | number)[][] = [];
    for (const kind of kinds) {
      const d = (f: (s: Sample) => number) => med(`${kind.name}|direct`, f);
      for (const v of variants) {
        const k = `${kind.name}|${v.label}`;
        const p = (f: (s: Sample) => number) => med(k, f);
        latencyRows.push([kind.name, v.label, ms(d((s) => s.p50)), ms(p((s) => s.p50)), ms(p((s) => s.p50) - d((s) => s.p50)),
          ms(d((s) => s.p99)), ms(p((s) => s.p99)), ms(p((s) => s.p99) - d((s) => s.p99))]);
        const errors = (samples.get(k) ?? []).reduce((n, s) => n + s.errors, 0);
        throughputRows.push([kind.name, v.label, rps(d((s) => s.rps)), rps(p((s) => s.rps)), `${p((s) => s.cpuUs).toFixed(0)} µs`, errors]);
      }
    }
    const before = baselineRev ? trees[0].label : undefined;
    const ratios = before ? kinds.map((kind) => {
      const b = `${kind.name}|${before}`, a = `${kind.name}|this tree`;
      const r = med(a, (s) => s.rps) / med(b, (s) => s.rps);
      const c = med(a, (s) => s.cpuUs) / med(b, (s) => s.cpuUs);
      return `${kind.name}: ${r.toFixed(2)}x the requests/s, ${c.toFixed(2)}x the CPU per request`;
    }) : [];

    const load2 = loadavg()[0];
    const md = [
      "## Gateway overhead (proxying an instant upstream)",
      "",
      `Machine: ${machine()}. Load average (1 min) when the run started: ${load1.toFixed(2)}, when it ended: ${load2.toFixed(2)} ` +
      "(the run itself keeps about 2 busy; other work on the machine widens the tails and lowers the requests/s, " +
      "the CPU per request is the steadier measure). " +
      `Method: \`bench/gateway.ts\`${baselineRev ? ` --baseline=${baselineRev}` : ""}; a Node upstream that answers instantly ` +
      "(fixed chat completion, or 3 SSE chunks + usage + [DONE]), `freehold serve` in its own process " +
      "(from a built snapshot of each tree, so precompiled) with the upstream from config.json, and an undici closed-loop client; " +
      "all three processes share the cores. Added latency = through Freehold minus straight to the upstream, same client, " +
      `1 connection, ${latencyRequests} requests back to back. Throughput: 64 connections for ${durationMs / 1000} s; ` +
      "CPU per request = the server process's user + system time over that run / requests answered. Each measurement follows " +
      `${warmMs / 1000} s of the same load (JIT, sockets, and the young generation, see below). ${rounds} round(s), variants in ` +
      "alternating order, medians (of 2: the mean). Goal: under 1 ms added (p50 and p99), over 5,000 requests/s.",
      "",
      table(["request", "server", "direct p50", "via Freehold p50", "added p50", "direct p99", "via Freehold p99", "added p99"], latencyRows),
      "",
      table(["request", "server", "direct req/s", "via Freehold req/s", "server CPU per request", "errors"], throughputRows),
      ...(ratios.length ? ["", `This tree against ${before}: ${ratios.join("; ")}.`] : []),
      "",
      "Young generation: bin/freehold.js starts V8 with `--semi-space-growth-factor=1` (2 × 1 MB instead of up to 2 × 16 MB, " +
      "~15 MB less for an idle server, see Memory). Under load that 1 MB is scavenged every ~15 requests, and each scavenge " +
      "copies what the requests in flight hold: with 64 streamed connections about a quarter of the server's busy time went to " +
      "the garbage collector (CPU profile), and at 1 connection one request in ~10 waited 0.4–0.6 ms for a scavenge. " +
      "`freehold serve` therefore lets it grow while scavenges take over 2% of the time for 2 s in a row, and shrinks it back " +
      "(growth factor 1 and one full collection) after 30 s with the event loop under 5% busy (src/cli/youngGeneration.ts); " +
      "the \"young generation kept at 1 MB\" rows are this tree with that switched off (`FREEHOLD_YOUNG_GENERATION=small`).",
      "",
      "What moved the numbers, from `node --cpu-prof` profiles of the server under 64 streamed connections and V8's sampling " +
      "heap profiler: the garbage collector (above); the upstream's SSE read through async generators (a promise per line and " +
      "event) over undici's Readable body, ~24 KB of the ~80 KB a streamed request allocated, now a synchronous parser fed " +
      "straight from a dispatch handler of our own (src/gateway/upstreamSse.ts, upstreamClient.ts: no Readable, async resource " +
      "or promise per chunk; ~51 KB per request now); two socket sends per streamed answer (events coalesced until nextTick, " +
      "then the end), now one (flushed on setImmediate, src/api/coalesce.ts); `randomBytes` for every response id (~2%), now " +
      "a pooled random buffer; the upstream backend and its metrics wrapper rebuilt for every request, now once per connection " +
      "pool; three onRequest hooks (request id, request timing, origin guard), now one, and a streamed answer's head built from " +
      "header objects spread into each other, now a flat list: 0.94x the CPU per streamed request in an A/B of 10 rounds, a fresh " +
      "server per variant per round pinned to one core (a server process keeps its JIT and memory-layout luck for life: two " +
      "servers of the same tree differed by up to 6% over 4 rounds). Then (2026-11-25, in a run with --baseline=bb2f1be): a stream's writes " +
      "held as one string per turn instead of corked on the socket, where each write became its own chunk of the chunked encoding " +
      "(size line, data, CRLF: ~20 buffers for one writev per proxied stream, now 3), and one access log line per request instead of " +
      "Fastify's two (arrival and end): 0.94x the CPU per streamed request at log level info, 0.97x at warn. Looked at and left: no database query per request (the upstream list is cached for 1 s; its refresh blocks the " +
      "loop 1–2 ms once a second), no key lookup on loopback, zod validation ~1.5% and prom-client labels ~1.3% of the time, " +
      "and at log level info the request's log line (pino hands it to libuv's one thread-pool thread, whose wake-ups cost a few % more). Chunks are still parsed and re-serialised: " +
      "the id, model name, role chunk and usage field clients see are Freehold's, not the upstream's.",
      "",
      "Tails: on this machine the added p99 varies by 1–2 ms between runs, and with the load the rest of the machine puts on " +
      "its 2 cores. Three runs on 2026-11-25: at a load average of 3.4 before the run (other work on the machine), no row " +
      "stayed under 1 ms and streamed answers made 4,500–4,800 requests/s; on a quiet machine (1.5, the table above) " +
      "5,400–7,800 requests/s, whole answers at log level warn 0.36 ms added at p99 and the young generation kept at 1 MB " +
      "0.62–0.68 ms for streamed answers, the other rows 1.0–1.4 ms; and in a quick run on the quiet machine (5,000 requests " +
      "at 1 connection, straight after 3 s at 64 connections, twice) the default server added 0.44 ms (whole) and 0.53 ms " +
      "(streamed) at p99 the second time, 1.05 ms the first. So the requests/s goal is met where the machine is not shared, " +
      "and the p99 goal only in some runs. The young generation kept at 1 MB has had the shorter streamed tail in every run " +
      "(not explained; a 1 MB semi-space fits in each core's L2 cache), but costs 1.35x the CPU per request at 64 connections, " +
      "and at 1 connection its scavenges take 2.8% of the time, past the 2% at which the server lets it grow: a rule that " +
      "shrank it when the server is not saturated would flip back and forth. Part of the tail is the machine: a minimal Node proxy (http server + undici, no framework), measured the same way but separately, added 0.25 ms " +
      "at p50 and 0.5–0.6 ms at p99. Part was garbage collection: at 1 connection ~1 MB (streamed: 2 MB) survived every " +
      "scavenge, 2–7 ms each every few hundred requests, because whatever a finished request referenced stayed reachable for " +
      "the scavenger through the upstream abort listener (Node's AbortSignals and their listeners outlive young-generation " +
      "collections) and through the coalescing Set (clear() leaves the old table, entries and all, linked to the new one). " +
      "Both are cut now (src/gateway/upstreamClient.ts, src/api/coalesce.ts): with the grown young generation at 1 connection, " +
      "a 1–1.5 ms scavenge every ~250 requests, each promoting ~0.7 MB (--trace-gc), which is what the p99.9 (3–5 ms) is made of; " +
      "the rest is mostly the AbortSignal the route creates for each request.",
    ].join("\n");
    if (!opts.dryRun) writeSection("gateway", md);
    return md;
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
    for (const h of homes) rmSync(h, { recursive: true, force: true });
    for (const t of trees) rmSync(t.root, { recursive: true, force: true });
  }
}

/** A built, runnable copy of the code under test: this working tree, or a commit's tree. */
function snapshot(baseline?: string): { root: string; label: string } {
  const root = mkdtempSync(join(tmpdir(), "fh-bench-gw-tree-"));
  let label = "this tree";
  if (baseline) {
    const commit = execFileSync("git", ["rev-parse", "--short", baseline], { cwd: ROOT, encoding: "utf8" }).trim();
    execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C ${JSON.stringify(root)}`], { cwd: ROOT });
    rmSync(join(root, "web"), { recursive: true, force: true });
    label = `before (${commit})`;
  } else {
    for (const name of ["src", "bin", "package.json"]) cpSync(join(ROOT, name), join(root, name), { recursive: true });
  }
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  symlinkSync(join(ROOT, "web"), join(root, "web"));
  // Precompiled, as after `npm install` (a tree without bin/build.mjs runs through tsx, as it did then).
  if (existsSync(join(root, "bin/build.mjs"))) execFileSync(process.execPath, [join(root, "bin/build.mjs")], { stdio: "ignore" });
  return { root, label };
}

/** User + system CPU time of a process so far, in milliseconds (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The median, the mean of the middle two for an even count (2 rounds: their mean, not the lower one). */
function middle(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const pc = (r: LoadResult, p: number) => percentile(r.latencies, p);
const ms = (v: number) => `${v.toFixed(3)} ms`;
const rps = (v: number) => Math.round(v).toLocaleString("en-US");

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((ok, no) => {
    let out = "";
    child.stdout!.on("data", (c) => { out += c; if (out.includes("\n")) ok(out.split("\n")[0]); });
    child.once("exit", (code) => no(new Error(`upstream exited with ${code}`)));
  });
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
