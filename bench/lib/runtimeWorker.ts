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
 * runtime's `timings.firstTokenMs`. tg: `gen` tokens from a BOS-only prompt (like llama-bench's
 * tg test, from an empty context) at temperature 0 with EOS and EOT banned through logitBias,
 * so exactly `gen` tokens come out; its time is the call's wall time (everything the runtime
 * does per request is included).
 */
import { TokenBias } from "node-llama-cpp";
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
}

const a = JSON.parse(process.argv[2]) as Args;
const reps = a.reps ?? 2, P = a.prompt ?? 512, N = a.gen ?? 128;
const BANNED: Record<number, number> = {};

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
  for (const t of [model.tokens.eos, model.tokens.eot]) if (t !== null && t !== undefined) BANNED[t] = -100;
  const prompt = textOf(P, (s) => promptTokens(model, s).length);
  const opts = { temperature: 0, logitBias: BANNED };
  await runtime.complete(ref, prompt.slice(0, 200), { ...opts, maxTokens: 8 }); // warm-up
  for (let r = 0; r < reps; r++) {
    if (a.only !== "tg") {
      const res = await runtime.complete(ref, prompt, { ...opts, maxTokens: 1 });
      if (res.usage.promptTokens !== P) throw new Error(`prompt was ${res.usage.promptTokens} tokens, not ${P}`);
      result.pp.push(P / (res.timings.firstTokenMs / 1000));
    }
    if (a.only !== "pp") {
      t = performance.now();
      const res = await runtime.complete(ref, "", { ...opts, maxTokens: N });
      const ms = performance.now() - t;
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
  const bias = new TokenBias(model.tokenizer);
  for (const tk of [model.tokens.eos, model.tokens.eot]) if (tk !== null && tk !== undefined) bias.set(tk, "never");
  const seq = context.getSequence();
  const prompt = promptTokens(model, textOf(P, (s) => promptTokens(model, s).length));
  const gen = async (first: number[], n: number) => {
    let k = 0;
    for await (const _ of seq.evaluate(first as never, { temperature: 0, tokenBias: bias })) if (++k >= n) break;
    await seq.clearHistory();
    return k;
  };
  await gen(prompt.slice(0, 50), 8);
  for (let r = 0; r < reps; r++) {
    if (a.only !== "tg") {
      t = performance.now();
      await gen(prompt, 1);
      result.pp.push(P / ((performance.now() - t) / 1000));
    }
    if (a.only !== "pp") {
      t = performance.now();
      const k = await gen([model.tokens.bos!], N);
      result.generated.push(k);
      result.tg.push(k / ((performance.now() - t) / 1000));
    }
  }
  await context.dispose();
  await model.dispose();
}
console.log(JSON.stringify(result));
process.exit(0);
