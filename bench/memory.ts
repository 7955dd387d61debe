/**
 * Memory benchmark (issue 2's "Memory, measured"):
 *  (a) resident memory of an idle `freehold serve` (fresh home, --no-demo, no model loaded);
 *  (b) the same server after one request loaded the TinyLlama-1.1B-shape Q4_0 model: resident
 *      memory beyond the weights and KV cache (as the runtime predicts them, and as llama.cpp
 *      accounts them through node-llama-cpp);
 *  (c) `runtime.predictMemory` against the resident-memory growth of loading the model, in a
 *      fresh process per model (SmolLM-135M and TinyLlama-1.1B shapes, Q4_0).
 *
 *   node --import tsx bench/memory.ts [--quick] [--dry-run]
 */
import { linkSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openApp } from "../src/app.ts";
import { Runtime } from "../src/runtime/index.ts";
import { benchModel } from "./lib/models.ts";
import { fmt, log, median, rssOf, runWorker, sleep, startFreehold } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";

const MB = 1e6;
const mb = (b: number) => fmt(b / MB, 0);
const pct = (a: number, b: number) => `${a >= b ? "+" : ""}${(((a - b) / b) * 100).toFixed(1)}%`;

interface MemoryWorkerResult {
  predicted: { weightsBytes: number; kvCacheBytes: number; totalBytes: number; contextSize: number; sequences: number };
  before: { rss: number; anon: number; file: number };
  after: { rss: number; anon: number; file: number };
  afterLong: { rss: number; anon: number; file: number };
  longPromptTokens: number;
  reported: { totalBytes: number; weightsBytes: number };
}

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const rounds = opts.quick ? 1 : 3;
  const small = await benchModel("smollm-135m", "Q4_0");
  const big = await benchModel("tinyllama-1.1b", "Q4_0");

  // (a) + (b): the real server process, as `npm start` runs it.
  const firstStart: number[] = [], idle: number[] = [], idleAfterRoutes: number[] = [], loadedRss: number[] = [], reported: number[] = [], deltas: number[] = [];
  const runtime = new Runtime({ gpu: false });
  const prediction = await runtime.predictMemory(big);
  await runtime.close();
  for (let r = 0; r < rounds; r++) {
    const home = mkdtempSync(join(tmpdir(), "fh-bench-mem-"));
    try {
      // First start on an empty home: the embedded database is created (initdb) in-process.
      const first = await startFreehold(home);
      try {
        await sleep(2000);
        firstStart.push(rssOf(first.child.pid!).rss);
      } finally {
        await first.stop();
      }
      // Register the cached file without copying 600 MB: a hard link that the store adopts.
      const app = await openApp({ home });
      const link = join(home, "incoming.gguf");
      linkSync(big, link);
      await app.models.register(link, { name: "tinyllama", adopt: true, source: "generated" });
      await app.close();

      const server = await startFreehold(home);
      try {
        await sleep(2000);
        idle.push(rssOf(server.child.pid!).rss);
        for (let i = 0; i < 20; i++) {
          for (const p of ["/health", "/ready", "/v1/models", "/api/tags", "/metrics", "/openapi.json"]) await (await fetch(server.url + p)).arrayBuffer();
        }
        await sleep(1000);
        const beforeLoad = rssOf(server.child.pid!).rss;
        idleAfterRoutes.push(beforeLoad);
        const res = await fetch(`${server.url}/v1/completions`, {
          method: "POST", headers: { "content-type": "application/json" },
          body: JSON.stringify({ model: "tinyllama", prompt: "Hello", max_tokens: 4, temperature: 0 }),
        });
        if (!res.ok) throw new Error(`completion failed: ${res.status} ${await res.text()}`);
        await sleep(1500);
        const after = rssOf(server.child.pid!).rss;
        loadedRss.push(after);
        deltas.push(after - beforeLoad);
        const ps = await (await fetch(`${server.url}/api/ps`)).json() as { models: { size: number }[] };
        reported.push(ps.models[0]?.size ?? NaN);
        log("memory", `round ${r + 1}: first start ${mb(firstStart.at(-1)!)} MB, restarted idle ${mb(idle.at(-1)!)} MB, after routes ${mb(beforeLoad)} MB, loaded ${mb(after)} MB`);
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }

  // (c): prediction vs measured growth, one fresh process per model and round.
  const predRows: (string | number)[][] = [];
  let longTokens = 0;
  for (const [label, path] of [["SmolLM-135M shape, Q4_0", small], ["TinyLlama-1.1B shape, Q4_0", big]] as const) {
    const results: MemoryWorkerResult[] = [];
    for (let r = 0; r < rounds; r++) results.push(await runWorker<MemoryWorkerResult>("bench/lib/memoryWorker.ts", { path }, {}, 5 * 60_000, ["--expose-gc"]));
    const p = results[0].predicted;
    const grew = median(results.map((x) => x.after.rss - x.before.rss));
    const grewLong = median(results.map((x) => x.afterLong.rss - x.before.rss));
    const rep = median(results.map((x) => x.reported.totalBytes));
    longTokens = results[0].longPromptTokens;
    predRows.push([label, `${p.contextSize} × ${p.sequences}`, mb(p.weightsBytes), mb(p.kvCacheBytes), mb(p.totalBytes), mb(rep),
      `${mb(grew)} (${pct(grew, p.totalBytes)})`, `${mb(grewLong)} (${pct(grewLong, p.totalBytes)})`,
      Math.abs(grewLong - p.totalBytes) / p.totalBytes <= 0.1 ? "yes" : "**no**"]);
    log("memory", predRows.at(-1)!.join("  "));
  }

  const idleMed = median(idle), routesMed = median(idleAfterRoutes), loadedMed = median(loadedRss);
  const beyond = loadedMed - prediction.totalBytes;
  const beyondReported = loadedMed - median(reported);
  const md = [
    "## Memory",
    "",
    `Machine: ${machine()}.`,
    "",
    `Method: \`bench/memory.ts\`, ${rounds} round(s), medians; resident memory (VmRSS) from /proc; 1 MB = 10^6 bytes. ` +
    "Server: `freehold serve --no-demo` (bin/freehold.js, so UV_THREADPOOL_SIZE=2) in its own process with embedded PGlite. " +
    "First start = `freehold serve` on an empty home, 2 s after /health answers (the database is created in-process). " +
    "Then the model is registered and the server restarted on that home: idle = 2 s after /health first answers, then again after 20 rounds of /health, /ready, /v1/models, /api/tags, /metrics, /openapi.json. " +
    "Loaded = 1.5 s after one `/v1/completions` request (4 tokens) loaded the generated TinyLlama-1.1B-shape Q4_0 model " +
    `with the runtime's defaults (context ${prediction.contextSize} tokens × ${prediction.sequences} sequences, no mmap). ` +
    "Weights + KV as predicted = `runtime.predictMemory` (GGUF tensor table + node-llama-cpp's simulation of llama.cpp's context buffers: KV cache, compute and output buffers); " +
    "as reported = node-llama-cpp's accounting of the live model and context (`/api/ps` size).",
    "",
    table(["measure", "value", "goal", "met"], [
      ["idle server, first start on an empty home", `${mb(median(firstStart))} MB`, "< 150 MB", median(firstStart) < 150 * MB ? "yes" : "**no**"],
      ["idle server, no model (restart, after /health)", `${mb(idleMed)} MB`, "< 150 MB", idleMed < 150 * MB ? "yes" : "**no**"],
      ["idle server after exercising the routes", `${mb(routesMed)} MB`, "< 150 MB", routesMed < 150 * MB ? "yes" : "**no**"],
      ["server with the 1.1B Q4_0 model loaded", `${mb(loadedMed)} MB`, "", ""],
      ["  weights + KV/compute buffers, predicted", `${mb(prediction.weightsBytes)} + ${mb(prediction.kvCacheBytes)} = ${mb(prediction.totalBytes)} MB`, "", ""],
      ["  weights + context, as node-llama-cpp reports", `${mb(median(reported))} MB`, "", ""],
      ["  resident beyond weights + KV (predicted)", `${mb(beyond)} MB`, "< 200 MB", beyond < 200 * MB ? "yes" : "**no**"],
      ["  resident beyond weights + KV (reported)", `${mb(beyondReported)} MB`, "< 200 MB", beyondReported < 200 * MB ? "yes" : "**no**"],
      ["  growth of the server's RSS from loading", `${mb(median(deltas))} MB (${pct(median(deltas), prediction.totalBytes)} vs predicted)`, "within 10%", Math.abs(median(deltas) - prediction.totalBytes) <= 0.1 * prediction.totalBytes ? "yes" : "**no**"],
    ]),
    "",
    "Prediction against measurement, one fresh Node process per model and round (`bench/lib/memoryWorker.ts`, runtime defaults): RSS after the binding is " +
    "initialised and before the first request, against RSS after one 4-token completion loaded the model, and again after a " +
    `${longTokens}-token prompt (more than one 512-token batch, so every page of the compute buffers has been used; a short request leaves part of them allocated but not yet resident).`,
    "",
    table(["model", "context × sequences", "weights MB (pred.)", "KV + buffers MB (pred.)", "predicted MB", "node-llama-cpp reports MB",
      "RSS growth after load MB", `RSS growth after a ${longTokens}-token prompt MB`, "within 10% (in use)"], predRows),
  ].join("\n");
  if (!opts.dryRun) writeSection("memory", md);
  return md;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
