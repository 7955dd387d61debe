/**
 * Memory benchmark (issue 2's "Memory, measured"):
 *  (a) resident memory of an idle `freehold serve` (fresh home, --no-demo, no model loaded);
 *  (b) the same server after one request loaded the TinyLlama-1.1B-shape Q4_0 model: resident
 *      memory beyond the weights and KV cache (as the runtime predicts them, and as llama.cpp
 *      accounts them through node-llama-cpp);
 *  (c) `runtime.predictMemory` against the resident-memory growth of loading the model, in a
 *      fresh process per model (SmolLM-135M and TinyLlama-1.1B shapes, Q4_0).
 * (a) and (b) run on a snapshot of the working tree (copied and built with bin/build.mjs, so
 * other edits during the run cannot make it fall back to tsx) and, with --baseline=<commit>,
 * alternately on that commit's tree (`git archive`, built with its own bin/build.mjs when it has
 * one, else run through tsx as it was then), for before/after numbers from one run.
 *
 *   node --import tsx bench/memory.ts [--quick] [--dry-run] [--baseline=<commit>]
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "../bin/build.mjs";
import { Runtime } from "../src/runtime/index.ts";
import { benchModel, registerLinked } from "./lib/models.ts";
import { fmt, log, median, ROOT, rssOf, runWorker, sleep, startFreehold } from "./lib/proc.ts";
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

/** A runnable copy of the code under test: the working tree (built), or a commit's tree. */
function snapshot(baseline?: string): { root: string; label: string } {
  const root = mkdtempSync(join(tmpdir(), "fh-bench-tree-"));
  if (baseline) {
    const commit = execFileSync("git", ["rev-parse", "--short", baseline], { cwd: ROOT, encoding: "utf8" }).trim();
    execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C ${JSON.stringify(root)}`], { cwd: ROOT });
    rmSync(join(root, "web"), { recursive: true, force: true });
    symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
    symlinkSync(join(ROOT, "web"), join(root, "web"));
    return { root, label: `before (${commit})` };
  }
  for (const name of ["src", "bin", "package.json"]) cpSync(join(ROOT, name), join(root, name), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(root, "node_modules"));
  symlinkSync(join(ROOT, "web"), join(root, "web"));
  return { root, label: "after (this tree)" };
}

interface ServerSample { firstStart: number; firstStartDemo: number; idle: number; idleAfterRoutes: number; loaded: number; reported: number; delta: number }

/** One round of (a) + (b) on the tree at `root`. */
async function measureServer(root: string, model: string): Promise<ServerSample> {
  const home = mkdtempSync(join(tmpdir(), "fh-bench-mem-"));
  const demoHome = mkdtempSync(join(tmpdir(), "fh-bench-mem-demo-"));
  try {
    const rssAfter = async (h: string, demo: boolean) => {
      const s = await startFreehold(h, {}, root, { demo });
      try {
        await sleep(2000);
        return rssOf(s.child.pid!).rss;
      } finally {
        await s.stop();
      }
    };
    // First start on an empty home: the embedded database is created.
    const firstStart = await rssAfter(home, false);
    const firstStartDemo = await rssAfter(demoHome, true);
    // Register the cached file without copying 600 MB: a hard link that the store adopts.
    await registerLinked(home, { tinyllama: model });

    const server = await startFreehold(home, {}, root);
    try {
      await sleep(2000);
      const idle = rssOf(server.child.pid!).rss;
      for (let i = 0; i < 20; i++) {
        for (const p of ["/health", "/ready", "/v1/models", "/api/tags", "/metrics", "/openapi.json"]) await (await fetch(server.url + p)).arrayBuffer();
      }
      await sleep(1000);
      const idleAfterRoutes = rssOf(server.child.pid!).rss;
      const res = await fetch(`${server.url}/v1/completions`, {
        method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "tinyllama", prompt: "Hello", max_tokens: 4, temperature: 0 }),
      });
      if (!res.ok) throw new Error(`completion failed: ${res.status} ${await res.text()}`);
      await sleep(1500);
      const loaded = rssOf(server.child.pid!).rss;
      const ps = await (await fetch(`${server.url}/api/ps`)).json() as { models: { size: number }[] };
      return { firstStart, firstStartDemo, idle, idleAfterRoutes, loaded, reported: ps.models[0]?.size ?? NaN, delta: loaded - idleAfterRoutes };
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
    rmSync(demoHome, { recursive: true, force: true });
  }
}

export async function run(opts: { quick?: boolean; dryRun?: boolean; baseline?: string } = {}): Promise<string> {
  const rounds = opts.quick ? 1 : 3;
  const baselineRev = opts.baseline ?? process.argv.find((a) => a.startsWith("--baseline="))?.slice("--baseline=".length);
  const small = await benchModel("smollm-135m", "Q4_0");
  const big = await benchModel("tinyllama-1.1b", "Q4_0");

  // (a) + (b): the real server process, as `npm start` runs it, from each tree in turn.
  const runtime = new Runtime({ gpu: false });
  const prediction = await runtime.predictMemory(big);
  await runtime.close();
  const trees = [...(baselineRev ? [snapshot(baselineRev)] : []), snapshot()];
  if (!(await build(trees.at(-1)!.root))) throw new Error("bin/build.mjs could not build the tree under test");
  // A baseline from after bin/build.mjs existed runs precompiled too, as `npm install` leaves it.
  const baselineBuilt = baselineRev !== undefined && existsSync(join(trees[0].root, "bin/build.mjs")) &&
    await (await import(pathToFileURL(join(trees[0].root, "bin/build.mjs")).href) as { build(root: string): Promise<boolean> }).build(trees[0].root);
  const samples = trees.map(() => [] as ServerSample[]);
  try {
    for (let r = 0; r < rounds; r++) {
      for (const [i, tree] of trees.entries()) {
        const x = await measureServer(tree.root, big);
        samples[i].push(x);
        log("memory", `round ${r + 1}, ${tree.label}: first start ${mb(x.firstStart)} MB (with demo ${mb(x.firstStartDemo)}), restarted idle ${mb(x.idle)} MB, after routes ${mb(x.idleAfterRoutes)} MB, loaded ${mb(x.loaded)} MB`);
      }
    }
  } finally {
    for (const tree of trees) rmSync(tree.root, { recursive: true, force: true });
  }
  const med = (i: number, k: keyof ServerSample) => median(samples[i].map((x) => x[k]));
  const cur = trees.length - 1;

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

  const loadedMed = med(cur, "loaded");
  const beyond = loadedMed - prediction.totalBytes;
  const beyondReported = loadedMed - med(cur, "reported");
  const goal = (k: keyof ServerSample) => (med(cur, k) < 150 * MB ? "yes" : "**no**");
  const cols = (k: keyof ServerSample) => trees.map((_, i) => `${mb(med(i, k))} MB`);
  const blank = trees.map(() => "");
  const md = [
    "## Memory",
    "",
    `Machine: ${machine()}.`,
    "",
    `Method: \`bench/memory.ts\`${baselineRev ? ` --baseline=${baselineRev}` : ""}, ${rounds} round(s), medians; resident memory (VmRSS) from /proc; 1 MB = 10^6 bytes. ` +
    "Server: `freehold serve --no-demo` started through bin/freehold.js (as `npm start` does) in its own process with embedded PGlite, " +
    "from a copy of the tree under test (this tree is built with bin/build.mjs first, so it runs precompiled as after `npm install`" +
    (baselineRev ? `; the baseline is \`git archive\` of that commit, ${baselineBuilt ? "built the same way with its own bin/build.mjs" : "run as it was then: through tsx"}` : "") + "). " +
    (baselineRev ? "Each round measures both trees in turn. " : "") +
    "First start = `freehold serve` on an empty home, 2 s after /health answers (the database is created); the same with the demo model generated. " +
    "Then the model is registered and the server restarted on that home: idle = 2 s after /health first answers, then again after 20 rounds of /health, /ready, /v1/models, /api/tags, /metrics, /openapi.json. " +
    "Loaded = 1.5 s after one `/v1/completions` request (4 tokens) loaded the generated TinyLlama-1.1B-shape Q4_0 model " +
    `with the runtime's defaults (context ${prediction.contextSize} tokens × ${prediction.sequences} sequences, no mmap). ` +
    "Weights + KV as predicted = `runtime.predictMemory` (GGUF tensor table + node-llama-cpp's simulation of llama.cpp's context buffers: KV cache, compute and output buffers); " +
    "as reported = node-llama-cpp's accounting of the live model and context (`/api/ps` size).",
    "",
    table(["measure", ...trees.map((t) => t.label), "goal", "met"], [
      ["idle server, first start on an empty home", ...cols("firstStart"), "< 150 MB", goal("firstStart")],
      ["idle server, first start creating the demo model", ...cols("firstStartDemo"), "< 150 MB", goal("firstStartDemo")],
      ["idle server, no model (restart, after /health)", ...cols("idle"), "< 150 MB", goal("idle")],
      ["idle server after exercising the routes", ...cols("idleAfterRoutes"), "< 150 MB", goal("idleAfterRoutes")],
      ["server with the 1.1B Q4_0 model loaded", ...cols("loaded"), "", ""],
      ["  weights + KV/compute buffers, predicted", ...blank.slice(1), `${mb(prediction.weightsBytes)} + ${mb(prediction.kvCacheBytes)} = ${mb(prediction.totalBytes)} MB`, "", ""],
      ["  weights + context, as node-llama-cpp reports", ...cols("reported"), "", ""],
      ["  resident beyond weights + KV (predicted)", ...blank.slice(1), `${mb(beyond)} MB`, "< 200 MB", beyond < 200 * MB ? "yes" : "**no**"],
      ["  resident beyond weights + KV (reported)", ...blank.slice(1), `${mb(beyondReported)} MB`, "< 200 MB", beyondReported < 200 * MB ? "yes" : "**no**"],
      ["  growth of the server's RSS from loading", ...blank.slice(1), `${mb(med(cur, "delta"))} MB (${pct(med(cur, "delta"), prediction.totalBytes)} vs predicted)`, "within 10%",
        Math.abs(med(cur, "delta") - prediction.totalBytes) <= 0.1 * prediction.totalBytes ? "yes" : "**no**"],
    ]),
    "",
    "What moved the idle number, each change measured on its own while making it (single runs of the same kind, about ±5 MB): " +
    "PGlite's buffer pool at 8 MB instead of 128 MB (emscripten zeroes it, so all of it was resident): −120 MB; " +
    "running precompiled JavaScript (`dist/`, built by `npm install`) instead of tsx, whose loader thread, esbuild and per-module source maps cost −85 MB; " +
    "WebAssembly on V8's baseline compiler only (`--liftoff-only`; no TurboFan tier-up of PGlite in the background): −35 MB, queries no slower; " +
    "the young generation kept at 2 × 1 MB (`--semi-space-growth-factor=1`) instead of growing to 2 × 16 MB while the modules load: −15 MB, no more server CPU for API requests and token generation; " +
    "the first start's initdb in a child process (in-process, PGlite's second WebAssembly instance for it was never given back): −450 MB on a first start. " +
    "Not helping: `--wasm-lazy-compilation`, `--no-wasm-tier-up` (TurboFan still compiles), `--max-semi-space-size` set at run time (only read at start), PGlite's `initialMemory` (untouched pages are not resident). " +
    "node-llama-cpp (its ~230 modules) is imported only when a model is first inspected or loaded (src/runtime/llamaCpp.ts): about −16 MB. " +
    "`--optimize-for-size` saved about 18 MB more but slowed allocation-heavy JavaScript.",
    "",
    "Then code loaded only when used (7c57cae → this tree; each change measured by taking it out of the finished tree again, medians of 3 restarts, about ±3 MB; idle / after the routes): " +
    "the generation, web-app, arena and eval routes registered at start but imported on their first request (src/api/lazyRoutes.ts, the sets in src/api/routeSets.ts), " +
    "with their services and the zod schemas that validate their bodies (zod alone is 95 modules, ~3 MB of heap): −9 / −9 MB; " +
    "the OpenAPI document's body schemas made by zod in a child process on the first /openapi.json, the document then kept as text: −8 MB after the routes; " +
    "undici imported with the first upstream request: −7 / −7 MB; pg only when a PostgreSQL URL is given: about −3 MB; " +
    "CLI commands importing their code when they run (evals, quantize, pull, dev; eval's suites brought zod): −6 / −6 MB; " +
    "the web app's files served by @fastify/send loaded with the first file, instead of @fastify/static (glob, a scan of web/dist at start): −2 MB; " +
    "one full garbage collection once the server listens (start-up garbage, such as the 9 MB buffer PGlite compiles its WebAssembly from, otherwise waits for a major GC that an idle heap does not trigger): −4 / −6 MB; " +
    "the demo model generated and inspected in a child process (inspecting it loaded node-llama-cpp and its native binding into the server): −37 MB on a first start that creates it. " +
    "The price is paid once per process: the first request to a lazily loaded set takes 20–90 ms longer on this busy 2-core machine (mostly importing zod), the first /openapi.json ~200 ms (a node process). " +
    "Not helping: the OpenAPI schemas in a worker thread instead (the thread's allocator pages stay: +8 MB against a child process); " +
    "compiling PGlite's WebAssembly ourselves (`pgliteWasmModule`) to drop its buffer early (RSS unchanged); " +
    "`--single-threaded` or `--v8-pool-size=1` (−5 MB) only work on node's command line, which bin/freehold.js cannot set without a second process; `--single-threaded-gc` set at run time crashes V8. " +
    "What an idle server still holds: node itself ~43 MB (mostly its binary's pages), PGlite ~73 MB (22 MB of touched WebAssembly memory, 15 MB of module bytes and file-system bundle, its JavaScript), Fastify, pino, prom-client and the app's own modules ~10 MB.",
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
