/**
 * Runtime benchmark (issue 2): load time, prompt processing (512-token prompt) and generation
 * (128 tokens) through Freehold's Runtime, side by side with llama.cpp's own `llama-bench` on
 * the same generated Q4_0 files and thread counts (SmolLM-135M and TinyLlama-1.1B shapes).
 *
 *   node --import tsx bench/runtime.ts [--quick] [--dry-run] [--no-investigate]
 *
 * Each measurement of ours runs in a fresh Node process (bench/lib/runtimeWorker.ts) with the
 * environment `freehold serve` has (UV_THREADPOOL_SIZE=1 from bin/freehold.js); llama-bench
 * runs as its own process. The two alternate within each round (A,B then B,A), so drift on a
 * shared machine lands on both; the table shows medians over rounds.
 */
import { pathToFileURL } from "node:url";
import { benchModel } from "./lib/models.ts";
import { llamaBench, nativeTools, type NativeTools } from "./lib/native.ts";
import { fmt, log, median, ratio, runWorker } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";
import type { WorkerResult } from "./lib/runtimeWorker.ts";

const WORKER = "bench/lib/runtimeWorker.ts";

interface Samples { pp: number[]; tg: number[]; load: number[] }
const empty = (): Samples => ({ pp: [], tg: [], load: [] });

export async function run(opts: { quick?: boolean; dryRun?: boolean; investigate?: boolean } = {}): Promise<string> {
  const rounds = opts.quick ? 1 : 3;
  const small = await benchModel("smollm-135m", "Q4_0");
  const big = await benchModel("tinyllama-1.1b", "Q4_0");
  const tools = await nativeTools({ smokeModel: small });
  const models = [["SmolLM-135M shape, Q4_0", small], ["TinyLlama-1.1B shape, Q4_0", big]] as const;

  const rows: (string | number)[][] = [];
  for (const [label, path] of models) {
    for (const threads of [1, 2]) {
      const ours = empty(), native = empty();
      for (let r = 0; r < rounds; r++) {
        const a = async () => add(ours, await runWorker<WorkerResult>(WORKER, { path, threads, reps: 1 }, { UV_THREADPOOL_SIZE: "1" }));
        const b = async () => { const x = await llamaBench(tools.bench, path, { threads, reps: 1 }); native.pp.push(x.pp); native.tg.push(x.tg); };
        if (r % 2 === 0) { await a(); await b(); } else { await b(); await a(); }
        log("runtime", `${label} t=${threads} round ${r + 1}: ours pp ${fmt(ours.pp.at(-1)!)} tg ${fmt(ours.tg.at(-1)!)} | llama-bench pp ${fmt(native.pp.at(-1)!)} tg ${fmt(native.tg.at(-1)!)}`);
      }
      const [opp, otg, npp, ntg] = [median(ours.pp), median(ours.tg), median(native.pp), median(native.tg)];
      rows.push([label, threads, fmt(median(ours.load) / 1000, 2), fmt(opp), fmt(npp), ratio(opp, npp), fmt(otg), fmt(ntg), ratio(otg, ntg)]);
    }
  }

  const investigation = opts.investigate === false ? "" : await investigate(tools, models, rounds);

  const md = [
    "## Runtime speed against llama-bench",
    "",
    `Machine: ${machine()}. llama-bench: built from node-llama-cpp's bundled llama.cpp source (${tools.build}).`,
    "",
    "Method: `bench/runtime.ts`. Generated models (seeded random weights), F16 from the generator, quantized to Q4_0 by Freehold's quantizer; " +
    `the same file for both sides. ${rounds} round(s); in each, one fresh Node process runs Freehold's \`Runtime\` with its defaults ` +
    "(context 2048 × the planned sequences (16 for these files), batch 512, no mmap) and the given thread count, with UV_THREADPOOL_SIZE=1 as `freehold serve` sets it, " +
    "and one `llama-bench -p 512 -n 128 -r 1 -o json` (its defaults: flash attention auto, batch 2048/ubatch 512, mmap) runs next to it, " +
    "alternating which goes first; medians over rounds. " +
    "pp = 512 / `timings.firstTokenMs` of `runtime.complete` on a prompt of exactly 512 tokens (BOS included) with `maxTokens: 1`; " +
    "tg = 128 / wall time of `runtime.complete` with `maxTokens: 128` at temperature 0 from a short prompt (a few tokens), exactly 128 tokens every time (checked). " +
    "EOS cannot be banned: node-llama-cpp's TokenBias silently drops biases on end-of-generation tokens, so `logitBias: {EOS: -100}` has no effect; " +
    "the worker uses the first of a fixed list of short prompts whose greedy continuation runs 128 tokens without EOS on this file (BOS alone stops after 37 on the 1.1B shape). " +
    "llama-bench's pp512 and tg128 measure the same work without sampling, detokenizing or any JavaScript. " +
    "Both sides run flash attention: the runtime's contexts keep node-llama-cpp's default (\"auto\", on for the CPU, as llama-bench's); " +
    "forced off, tg drops ~10% on the 135M shape and ~6% on the 1.1B shape (A/B, 2026-11-24). " +
    "Load = weights read + context created (the runtime's load event), after a warm page cache. Goal: ≥ 0.95x for pp and tg.",
    "",
    table(["model", "threads", "load s (ours)", "pp tok/s ours", "pp tok/s llama-bench", "pp ratio", "tg tok/s ours", "tg tok/s llama-bench", "tg ratio"], rows),
    investigation,
  ].join("\n");
  if (!opts.dryRun) writeSection("runtime", md);
  return md;
}

function add(s: Samples, r: WorkerResult) {
  s.pp.push(...r.pp);
  s.tg.push(...r.tg);
  s.load.push(r.loadMs);
}

/**
 * Where the gap goes, at 2 threads on both shapes: the libuv pool size (Node reads
 * UV_THREADPOOL_SIZE once, so each configuration is its own process), our runtime against
 * node-llama-cpp called directly, and llama-bench. Same interleaving; CPU time per generated
 * token shows work burnt without progress (spinning threads fighting for 2 cores).
 */
async function investigate(tools: NativeTools, models: readonly (readonly [string, string])[], rounds: number): Promise<string> {
  const out: string[] = [];
  for (const [label, path] of models) {
    type Got = { pp: number; tg: number; cpu: number; split?: WorkerResult["tgSplit"] };
    type Config = { name: string; go: () => Promise<Got> };
    const worker = (args: object, env: Record<string, string | undefined>) => async (): Promise<Got> => {
      const r = await runWorker<WorkerResult>(WORKER, { path, reps: 1, threads: 2, ...args }, env);
      return { pp: median(r.pp), tg: median(r.tg), cpu: r.tgCpuMsPerToken ?? NaN, split: r.tgSplit };
    };
    const configs: Config[] = [
      { name: "Freehold runtime, UV_THREADPOOL_SIZE=1 (as shipped by bin/freehold.js)", go: worker({}, { UV_THREADPOOL_SIZE: "1" }) },
      { name: "Freehold runtime, UV_THREADPOOL_SIZE=1, 1 sequence (instead of 16)", go: worker({ sequences: 1 }, { UV_THREADPOOL_SIZE: "1" }) },
      { name: "Freehold runtime, UV_THREADPOOL_SIZE=2", go: worker({}, { UV_THREADPOOL_SIZE: "2" }) },
      { name: "Freehold runtime, UV_THREADPOOL_SIZE unset (Node's default, 4)", go: worker({}, { UV_THREADPOOL_SIZE: undefined }) },
      { name: "node-llama-cpp directly (no Freehold code), UV_THREADPOOL_SIZE=2", go: worker({ mode: "raw" }, { UV_THREADPOOL_SIZE: "2" }) },
      { name: "node-llama-cpp directly (no Freehold code), UV_THREADPOOL_SIZE=1", go: worker({ mode: "raw" }, { UV_THREADPOOL_SIZE: "1" }) },
      { name: "bare loop on node-llama-cpp's native context (decode, sample greedily; tg only)", go: worker({ mode: "addon", only: "tg" }, { UV_THREADPOOL_SIZE: "1" }) },
      { name: "llama-bench -t 2", go: async () => ({ ...(await llamaBench(tools.bench, path, { threads: 2, reps: 1 })), cpu: NaN }) },
    ];
    const got = configs.map(() => ({ pp: [] as number[], tg: [] as number[], cpu: [] as number[], split: [] as NonNullable<Got["split"]>[] }));
    for (let r = 0; r < rounds; r++) {
      const order = configs.map((_, i) => i);
      if (r % 2 === 1) order.reverse();
      for (const i of order) {
        const x = await configs[i].go();
        got[i].pp.push(x.pp);
        got[i].tg.push(x.tg);
        got[i].cpu.push(x.cpu);
        if (x.split) got[i].split.push(x.split);
        log("runtime", `investigate ${label} round ${r + 1}: ${configs[i].name}: pp ${fmt(x.pp)} tg ${fmt(x.tg)} cpu/token ${fmt(x.cpu, 2)} ms`);
      }
    }
    const ref = got.at(-1)!;
    const pp = (i: number) => (got[i].pp.every(Number.isFinite) ? median(got[i].pp) : NaN);
    const rows = configs.map((c, i) => [c.name, Number.isFinite(pp(i)) ? fmt(pp(i)) : "-", Number.isFinite(pp(i)) ? ratio(pp(i), median(ref.pp)) : "-", fmt(median(got[i].tg)),
      ratio(median(got[i].tg), median(ref.tg)), Number.isFinite(median(got[i].cpu)) ? fmt(median(got[i].cpu), 2) : "-"]);
    out.push("", `### Where the time goes: ${label}, 2 threads (${rounds} interleaved round(s), medians)`, "",
      table(["configuration", "pp tok/s", "pp vs llama-bench", "tg tok/s", "tg vs llama-bench", "process CPU ms per generated token"], rows));
    const splitRows = configs.flatMap((c, i) => {
      const s = got[i].split;
      if (!s.length) return [];
      const m = (f: (x: NonNullable<Got["split"]>) => number) => median(s.map(f));
      const wall = m((x) => x.wallMs), decode = m((x) => x.decodeMs), sample = m((x) => x.sampleMs);
      return [[c.name, fmt(wall, 2), fmt(decode, 2), fmt(sample, 2), fmt(wall - decode - sample, 2)]];
    });
    if (splitRows.length) {
      splitRows.push(["llama-bench -t 2 (decode only)", fmt(1000 / median(ref.tg), 2), fmt(1000 / median(ref.tg), 2), "-", "-"]);
      out.push("", "Per generated token, ms (medians): `llama_decode` as awaited from JavaScript (thread-pool hand-offs included), " +
        "the sampling call (another round trip), and the JavaScript between them.", "",
        table(["configuration", "all", "llama_decode", "sampling", "JavaScript between"], splitRows));
    }
  }
  return out.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run"), investigate: !process.argv.includes("--no-investigate") }));
}
