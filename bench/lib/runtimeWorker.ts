/**
 * One configuration of the runtime benchmark, in its own process (so UV_THREADPOOL_SIZE and other
 * process-wide settings can differ between configurations). Prints one JSON line.
 *
 *   node --import tsx bench/lib/runtimeWorker.ts '{"path":"...","threads":2,"reps":2}'
 *
 * mode "runtime" (default): Freehold's Runtime, as `freehold serve` uses it (product defaults
 * unless batchSize/contextSize/sequences are given). mode "raw": node-llama-cpp directly (one
 * sequence, no pool, no per-token work of ours), to tell our overhead from the binding's.
 *
 * pp: a prompt of exactly `prompt` tokens (BOS included) and one sampled token; its time is the
 * runtime's `timings.firstTokenMs`. tg: `gen` tokens at temperature 0 from a short prompt (a
 * few tokens, close to llama-bench's tg test from an empty context); its time is the call's wall
 * time (everything the runtime does per request is included). Random weights can sample EOS,
 * and node-llama-cpp ignores a bias on end-of-generation tokens (TokenBias.set skips them), so
 * logitBias cannot ban EOS: the worker picks the first of a fixed list of short prompts whose
 * greedy continuation runs `gen` tokens without one (deterministic for a given file), and checks
 * that every measured run generated exactly `gen` tokens.
 */
import { Runtime } from "../../src/runtime/index.ts";
import { getLlama } from "../../src/runtime/llama.ts";
import { promptTokens } from "../../src/runtime/complete.ts";

interface Args {
  path: string;
  threads: number;
  mode?: "runtime" | "raw";
  reps?: number;
  prompt?: number;
  gen?: number;
  batchSize?: number;
  contextSize?: number;
  sequences?: number;
  /** Skip pp or tg. */
  only?: "pp" | "tg";
}

export interface WorkerResult {
  mode: string;
  uvThreadpool: string;
  /** Model load (weights + context), ms. */
  loadMs: number;
  /** Once per process: loading the llama.cpp binding and backend, ms. */
  initMs: number;
  pp: number[];
  tg: number[];
  promptTokens: number;
  generated: number[];
  /** Process CPU time (user + system) per generated token in the tg runs, ms. */
  tgCpuMsPerToken?: number;
  /** The short prompt tg started from. */
  tgPrompt?: string;
}

const a = JSON.parse(process.argv[2]) as Args;
const reps = a.reps ?? 2, P = a.prompt ?? 512, N = a.gen ?? 128;
/** Short tg prompts to try, in order; "" is BOS alone. */
const TG_PROMPTS = ["", ...Array.from({ length: 20 }, (_, i) => `Request ${i + 1}: river stone`)];

const filler = "The quick brown fox jumps over the lazy dog while seven wizards quietly judge boxing matches near old harbours. ";
/** Text that tokenizes (with BOS) to exactly n tokens. */
function textOf(n: number, count: (s: string) => number): string {
  let text = filler;
  while (count(text) < n) text += filler;
  let lo = 0, hi = text.length;
  while (lo < hi) { // shortest prefix with at least n tokens
    const mid = (lo + hi) >> 1;
    if (count(text.slice(0, mid)) >= n) hi = mid; else lo = mid + 1;
  }
  for (let cut = lo; cut <= text.length; cut++) if (count(text.slice(0, cut)) === n) return text.slice(0, cut);
  throw new Error(`no prefix tokenizes to exactly ${n} tokens`);
}

const result: WorkerResult = { mode: a.mode ?? "runtime", uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? "default (4)", loadMs: 0, initMs: 0, pp: [], tg: [], promptTokens: P, generated: [] };

const cpuMs: number[] = [];
const cpuOf = (since: NodeJS.CpuUsage) => { const d = process.cpuUsage(since); return (d.user + d.system) / 1000; };

let t = performance.now();
const llama = await getLlama({ gpu: false });
result.initMs = performance.now() - t;

if ((a.mode ?? "runtime") === "runtime") {
  const runtime = new Runtime({
    threads: a.threads, gpu: false, defaultKeepAliveMs: -1,
    ...(a.batchSize ? { batchSize: a.batchSize } : {}), ...(a.contextSize ? { contextSize: a.contextSize } : {}), ...(a.sequences ? { sequences: a.sequences } : {}),
  });
  const ref = { name: "bench", path: a.path };
  runtime.events.on("load", (e: { ms: number }) => { result.loadMs = e.ms; });
  await runtime.tokenize(ref, "x"); // loads the model
  const model = runtime.pool.peek(ref)!.model;
  const prompt = textOf(P, (s) => promptTokens(model, s).length);
  const opts = { temperature: 0 };
  await runtime.complete(ref, prompt.slice(0, 200), { ...opts, maxTokens: 8 }); // warm-up
  let tgPrompt: string | undefined;
  for (const p of a.only === "pp" ? [""] : TG_PROMPTS) {
    const res = await runtime.complete(ref, p, { ...opts, maxTokens: N });
    if (a.only === "pp" || (res.usage.completionTokens === N && res.finishReason === "length")) { tgPrompt = p; break; }
  }
  if (tgPrompt === undefined) throw new Error(`no tg prompt runs ${N} tokens without EOS`);
  result.tgPrompt = tgPrompt;
  for (let r = 0; r < reps; r++) {
    if (a.only !== "tg") {
      const res = await runtime.complete(ref, prompt, { ...opts, maxTokens: 1 });
      if (res.usage.promptTokens !== P) throw new Error(`prompt was ${res.usage.promptTokens} tokens, not ${P}`);
      result.pp.push(P / (res.timings.firstTokenMs / 1000));
    }
    if (a.only !== "pp") {
      t = performance.now();
      const cpu = process.cpuUsage();
      const res = await runtime.complete(ref, tgPrompt, { ...opts, maxTokens: N });
      const ms = performance.now() - t;
      cpuMs.push(cpuOf(cpu) / N);
      if (res.usage.completionTokens !== N || res.finishReason !== "length") throw new Error(`generated ${res.usage.completionTokens} tokens (${res.finishReason}), not ${N}`);
      result.generated.push(res.usage.completionTokens);
      result.tg.push(N / (ms / 1000));
    }
  }
  await runtime.close();
} else {
  // node-llama-cpp with nothing of ours in between (its default dispatch and sampler).
  t = performance.now();
  const model = await llama.loadModel({ modelPath: a.path, useMmap: false });
  const context = await model.createContext({ contextSize: a.contextSize ?? 2048, sequences: a.sequences ?? 1, threads: a.threads, batchSize: a.batchSize ?? 512 });
  result.loadMs = performance.now() - t;
  const seq = context.getSequence();
  const prompt = promptTokens(model, textOf(P, (s) => promptTokens(model, s).length));
  const gen = async (first: number[], n: number) => {
    let k = 0;
    for await (const _ of seq.evaluate(first as never, { temperature: 0 })) if (++k >= n) break;
    await seq.clearHistory();
    return k;
  };
  await gen(prompt.slice(0, 50), 8);
  let tgStart: number[] | undefined;
  for (const p of a.only === "pp" ? [""] : TG_PROMPTS) {
    const t = promptTokens(model, p);
    if (a.only === "pp" || await gen(t, N) === N) { tgStart = t; break; }
  }
  if (!tgStart) throw new Error(`no tg prompt runs ${N} tokens without EOS`);
  result.tgPrompt = model.detokenize(tgStart as never);
  for (let r = 0; r < reps; r++) {
    if (a.only !== "tg") {
      t = performance.now();
      await gen(prompt, 1);
      result.pp.push(P / ((performance.now() - t) / 1000));
    }
    if (a.only !== "pp") {
      t = performance.now();
      const cpu = process.cpuUsage();
      const k = await gen(tgStart, N);
      cpuMs.push(cpuOf(cpu) / N);
      if (k !== N) throw new Error(`generated ${k} tokens, not ${N}`);
      result.generated.push(k);
      result.tg.push(k / ((performance.now() - t) / 1000));
    }
  }
  await context.dispose();
  await model.dispose();
}
if (cpuMs.length) result.tgCpuMsPerToken = cpuMs.sort((x, y) => x - y)[cpuMs.length >> 1];
console.log(JSON.stringify(result));
process.exit(0);
