/**
 * Serving benchmark (issue 3): what HTTP, JSON and streaming add on top of the engine, and how
 * concurrent streams share the machine, side by side with llama.cpp's own server.
 *
 *  1. Single stream: generation tokens/s of one streamed `/v1/completions` request (128 tokens)
 *     through `freehold serve`, against `llama-bench` tg128 and a native `llama-server` on the same
 *     file and thread count (SmolLM-135M and TinyLlama-1.1B shapes, Q4_0).
 *  2. Concurrency (1.1B shape): N clients each streaming requests back to back (64 tokens, ~40- and
 *     ~250-token prompts, every prompt distinct), against `llama-server --parallel N -c 4096 -t 2`.
 *     Aggregate tokens/s over the wall time, and time to first token p50/p95.
 *
 *   node --import tsx bench/serving.ts [--quick] [--dry-run] [--no-long]
 *
 * Both servers run for the whole phase (an idle server takes no CPU); requests alternate
 * between them level by level (A,B then B,A) so drift on a shared machine lands on both.
 */
import { linkSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openApp } from "../src/app.ts";
import { benchModel } from "./lib/models.ts";
import { llamaBench, nativeTools, startLlamaServer } from "./lib/native.ts";
import { fmt, log, median, percentile, ratio, startFreehold } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";
import { streamCompletion, type StreamTiming } from "./lib/sse.ts";

const THREADS = 2;
/** The generator's vocabulary: EOS = 2, EOT (<|im_end|>) = 260. Banned so every request runs to max_tokens. */
const NO_EOS = { "2": -100, "260": -100 };
const WORDS = "river stone lantern copper orchard velvet thunder meadow harbor signal ember quartz willow falcon cedar prism canyon ribbon glacier tundra".split(" ");

/** A distinct prompt of roughly n tokens (≈2.45 tokens per word with the generator's vocabulary: 41 and 247 tokens for n = 40 and 250 on the 1.1B shape): a unique number first, so no server can reuse a cached prefix. */
function prompt(id: number, n: number): string {
  const words: string[] = [`Request ${id}:`];
  for (let i = 0; words.length < n * 0.4; i++) words.push(WORDS[(id * 7 + i * 13) % WORDS.length]);
  return words.join(" ");
}

interface Server { name: string; url: string; model: string }

/**
 * Decode rate of one streamed request, between its first and last token. Freehold ignores a
 * logit_bias on EOS (node-llama-cpp's TokenBias drops biases on end-of-generation tokens), so a
 * random-weight model may stop early: such a run is discarded and the next prompt tried.
 */
async function singleStream(s: Server, id: () => number, tokens: number): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const t = await streamCompletion(s.url, { model: s.model, prompt: prompt(id(), 8), max_tokens: tokens, temperature: 0, logit_bias: NO_EOS });
    const n = t.usageTokens ?? t.chunks;
    if (n === tokens) return (n - 1) / (t.decodeMs / 1000);
  }
  throw new Error(`${s.name}: no prompt generated ${tokens} tokens without stopping`);
}

interface Level { aggregate: number; ttft: number[]; tokens: number; wallMs: number }

async function concurrent(s: Server, clients: number, perClient: number, promptTokens: number, maxTokens: number, idBase: number): Promise<Level> {
  const ttft: number[] = [];
  let tokens = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let k = 0; k < perClient; k++) {
      const t: StreamTiming = await streamCompletion(s.url, {
        model: s.model, prompt: prompt(idBase + c * perClient + k, promptTokens), max_tokens: maxTokens, temperature: 0, logit_bias: NO_EOS,
      });
      ttft.push(t.ttftMs);
      tokens += t.usageTokens ?? maxTokens;
    }
  }));
  const wallMs = performance.now() - t0;
  return { aggregate: tokens / (wallMs / 1000), ttft, tokens, wallMs };
}

export async function run(opts: { quick?: boolean; dryRun?: boolean; long?: boolean } = {}): Promise<string> {
  const quick = opts.quick ?? false;
  const small = await benchModel("smollm-135m", "Q4_0");
  const big = await benchModel("tinyllama-1.1b", "Q4_0");
  const tools = await nativeTools({ smokeModel: small });
  if (!tools.server) throw new Error("no native llama-server next to llama-bench");

  const homes: string[] = [];
  const makeHome = async () => {
    const home = mkdtempSync(join(tmpdir(), "fh-bench-serve-"));
    homes.push(home);
    // Same thread count for every engine; models stay loaded for the whole run.
    writeFileSync(join(home, "config.json"), JSON.stringify({ runtime: { threads: THREADS, defaultKeepAliveMs: -1 } }));
    const app = await openApp({ home });
    for (const [name, file] of [["smollm", small], ["tinyllama", big]] as const) {
      const link = join(home, `${name}.gguf`);
      linkSync(file, link); // the store adopts the link: no 600 MB copy
      await app.models.register(link, { name, adopt: true, source: "generated" });
    }
    await app.close();
    return home;
  };

  const freehold = await startFreehold(await makeHome());
  const stops: (() => Promise<void>)[] = [freehold.stop];
  // The same server with libuv's pool at 1 thread (bench/runtime.ts shows why), single stream only.
  const freehold1 = await startFreehold(await makeHome(), { UV_THREADPOOL_SIZE: "1" });
  stops.push(freehold1.stop);
  let nextId = 1;
  const id = () => nextId++;
  try {
    // 1. Single stream.
    const rounds = quick ? 1 : 3;
    const singleRows: (string | number)[][] = [];
    for (const [label, file, model] of [["SmolLM-135M shape, Q4_0", small, "smollm"], ["TinyLlama-1.1B shape, Q4_0", big, "tinyllama"]] as const) {
      const native = await startLlamaServer(tools.server, file, ["-c", "4096", "-t", String(THREADS), "--parallel", "1", "--no-webui"]);
      stops.push(native.stop);
      const fh: Server = { name: "freehold", url: freehold.url, model };
      const fh1: Server = { name: "freehold (UV_THREADPOOL_SIZE=1)", url: freehold1.url, model };
      const ls: Server = { name: "llama-server", url: native.url, model: "m" };
      await singleStream(fh, id, 16); // loads the model
      await singleStream(fh1, id, 16);
      await singleStream(ls, id, 16);
      const ours: number[] = [], ours1: number[] = [], server: number[] = [], bench: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const steps = [
          async () => ours.push(await singleStream(fh, id, 128)),
          async () => ours1.push(await singleStream(fh1, id, 128)),
          async () => server.push(await singleStream(ls, id, 128)),
          async () => bench.push((await llamaBench(tools.bench, file, { threads: THREADS, prompt: 0, gen: 128, reps: 1 })).tg),
        ];
        if (r % 2 === 1) steps.reverse();
        for (const s of steps) await s();
        log("serving", `${label} round ${r + 1}: freehold ${fmt(ours.at(-1)!)} freehold UV=1 ${fmt(ours1.at(-1)!)} llama-server ${fmt(server.at(-1)!)} llama-bench ${fmt(bench.at(-1)!)} tok/s`);
      }
      const [o, o1, s, b] = [median(ours), median(ours1), median(server), median(bench)];
      singleRows.push([label, THREADS, fmt(o), fmt(o1), fmt(s), fmt(b), ratio(o, b), ratio(o1, b), ratio(s, b), ratio(o, s)]);
      await native.stop();
    }

    // 2. Concurrency on the 1.1B shape.
    const levels = quick ? [1, 4, 8] : [1, 4, 8, 16];
    const prompts = opts.long === false || quick ? [40] : [40, 250];
    const concRows: (string | number)[][] = [];
    for (const promptTokens of prompts) {
      for (const [i, clients] of levels.entries()) {
        if (promptTokens > 40 && clients > 8) continue; // 16 × 250-token prompts: minutes of prompt processing alone
        const native = await startLlamaServer(tools.server, big, ["-c", "4096", "-t", String(THREADS), "--parallel", String(clients), "--no-webui"]);
        try {
          const fh: Server = { name: "freehold", url: freehold.url, model: "tinyllama" };
          const ls: Server = { name: "llama-server", url: native.url, model: "m" };
          await singleStream(ls, id, 8); // warm-up
          await singleStream(fh, id, 8);
          const perClient = clients === 1 ? 3 : 2;
          const go = async (s: Server) => {
            const r = await concurrent(s, clients, perClient, promptTokens, 64, nextId);
            nextId += clients * perClient;
            return r;
          };
          let a: Level, b: Level;
          if (i % 2 === 0) { a = await go(fh); b = await go(ls); } else { b = await go(ls); a = await go(fh); }
          const p = (l: Level, q: number) => fmt(percentile(l.ttft, q) / 1000, 2);
          concRows.push([`~${promptTokens}`, clients, fmt(a.aggregate), fmt(b.aggregate), ratio(a.aggregate, b.aggregate),
            p(a, 50), p(b, 50), p(a, 95), p(b, 95), ratio(percentile(b.ttft, 95), percentile(a.ttft, 95)), `${a.tokens} / ${b.tokens}`]);
          log("serving", concRows.at(-1)!.join("  "));
        } finally {
          await native.stop();
        }
      }
    }

    const md = [
      "## Serving: HTTP API against llama.cpp",
      "",
      `Machine: ${machine()}. Native tools built from node-llama-cpp's bundled llama.cpp source (${tools.build}).`,
      "",
      "Method: `bench/serving.ts`. `freehold serve` (bin/freehold.js, UV_THREADPOOL_SIZE=2; config `runtime.threads: 2`, otherwise defaults: " +
      "4 sequences × 2048 tokens, queue 16) and a native `llama-server -c 4096 -t 2` on the same generated Q4_0 file, both on loopback, " +
      "driven by the same Node client with raw `fetch` and SSE parsing of streamed `POST /v1/completions` " +
      "(temperature 0, every prompt distinct, EOS/EOT banned with `logit_bias`: llama-server honours it; Freehold silently ignores it, because node-llama-cpp's TokenBias drops " +
      "biases on end-of-generation tokens, so a Freehold single-stream run that stops before 128 tokens is discarded and the next prompt tried, and the concurrency table counts the tokens actually generated).",
      "",
      `### Single stream (${rounds} interleaved round(s), medians)`,
      "",
      "Decode tokens/s of one streamed request of 128 tokens: (text chunks − 1) / (last chunk − first chunk), as the client sees it; " +
      "a second `freehold serve` (own home) started with UV_THREADPOOL_SIZE=1 in its environment is measured the same way; " +
      "`llama-server --parallel 1` measured the same way; `llama-bench -p 0 -n 128 -r 1` alongside. Goal: Freehold ≥ 0.95x llama-bench.",
      "",
      table(["model", "threads", "Freehold tok/s", "Freehold, UV_THREADPOOL_SIZE=1, tok/s", "llama-server tok/s", "llama-bench tg tok/s",
        "Freehold / llama-bench", "Freehold UV=1 / llama-bench", "llama-server / llama-bench", "Freehold / llama-server"], singleRows),
      "",
      "### Concurrent streams (TinyLlama-1.1B shape, Q4_0, 2 threads)",
      "",
      "N clients, each sending its requests back to back (3 each at N = 1, else 2), 64 generated tokens per request; " +
      "llama-server restarted with `--parallel N` for each N (4096 cells shared by its N slots); Freehold as shipped (4 sequences, the rest wait in its queue). " +
      "Aggregate = all generated tokens (from each stream's usage) / wall time of the level; TTFT = request sent → first text chunk. " +
      "Freehold ignores the EOS ban (see single stream), so a request of its may end before 64 tokens; the last column shows the totals. " +
      "Goals: aggregate at 8 clients ≥ 1.2x llama-server's, p95 TTFT no worse than llama-server's at every load.",
      "",
      table(["prompt tokens", "clients", "aggregate tok/s Freehold", "aggregate tok/s llama-server", "aggregate ratio",
        "TTFT p50 s Freehold", "TTFT p50 s llama-server", "TTFT p95 s Freehold", "TTFT p95 s llama-server", "p95 TTFT advantage (llama-server / Freehold)",
        "tokens generated (Freehold / llama-server)"], concRows),
    ].join("\n");
    if (!opts.dryRun) writeSection("serving", md);
    return md;
  } finally {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    for (const home of homes) rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run"), long: !process.argv.includes("--no-long") }));
}
