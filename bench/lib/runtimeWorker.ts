/**
 * One configuration of the runtime benchmark, in its own process (so UV_THREADPOOL_SIZE and other
 * process-wide settings can differ between configurations). Prints one JSON line.
 *
 *   node --import tsx bench/lib/runtimeWorker.ts '{"path":"...","threads":2,"reps":2}'
 *
 * mode "runtime" (default): Freehold's Runtime, as `freehold serve` uses it (product defaults
 * unless batchSize/contextSize/sequences are given). mode "raw": node-llama-cpp directly (one
 * sequence, no pool, no per-token work of ours), to tell our overhead from the binding's.
 * mode "addon" (tg only): the floor under both, a bare loop on node-llama-cpp's native context
 * (decode one token, sample greedily, repeat) without its evaluate() machinery; internal API,
 * bench-only.
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
import { timeNativeCalls, type TokenSplit } from "./tokenSplit.ts";

interface Args {
  path: string;
  threads: number;
  mode?: "runtime" | "raw" | "addon";
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
  /** modes "raw" and "addon": per generated token, ms in llama_decode and in sampling (medians over tg runs); the rest is JavaScript. */
  tgSplit?: TokenSplit & { wallMs: number };
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
} else if (a.mode === "addon") {
  await bareLoop();
} else {
  // node-llama-cpp with nothing of ours in between (its default dispatch and sampler).
  t = performance.now();
  const model = await llama.loadModel({ modelPath: a.path, useMmap: false });
  const context = await model.createContext({ contextSize: a.contextSize ?? 2048, sequences: a.sequences ?? 1, threads: a.threads, batchSize: a.batchSize ?? 512 });
  result.loadMs = performance.now() - t;
  const timer = timeNativeCalls(context);
  const splits: (TokenSplit & { wallMs: number })[] = [];
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
      timer?.reset();
      const k = await gen(tgStart, N);
      const wallMs = performance.now() - t;
      cpuMs.push(cpuOf(cpu) / N);
      if (timer) { const s = timer.read(); splits.push({ decodeMs: s.decodeMs / N, sampleMs: s.sampleMs / N, wallMs: wallMs / N }); }
      if (k !== N) throw new Error(`generated ${k} tokens, not ${N}`);
      result.generated.push(k);
      result.tg.push(k / (wallMs / 1000));
    }
  }
  if (splits.length) {
    const mid = (f: (s: TokenSplit & { wallMs: number }) => number) => splits.map(f).sort((x, y) => x - y)[splits.length >> 1];
    result.tgSplit = { decodeMs: mid((s) => s.decodeMs), sampleMs: mid((s) => s.sampleMs), wallMs: mid((s) => s.wallMs) };
  }
  await context.dispose();
  await model.dispose();
}
/** mode "addon": one sequence, one token per llama_decode, greedy sampling, nothing else. */
async function bareLoop() {
  t = performance.now();
  const model = await llama.loadModel({ modelPath: a.path, useMmap: false });
  const context = await model.createContext({ contextSize: a.contextSize ?? 2048, sequences: 1, threads: a.threads, batchSize: a.batchSize ?? 512 });
  result.loadMs = performance.now() - t;
  type Native = {
    initBatch(n: number): void; addToBatch(seq: number, first: number, tokens: Uint32Array, logits: Uint32Array): Uint32Array;
    decodeBatch(): Promise<void>; sampleToken(index: number, sampler: unknown): Promise<number>; disposeSequence(seq: number): void;
  };
  const native = (context as unknown as { _ctx: Native })._ctx;
  const bindings = (llama as unknown as { _bindings: { AddonSampler: new (m: unknown) => { applyConfig(c: object): void } } })._bindings;
  const sampler = new bindings.AddonSampler((model as unknown as { _model: unknown })._model);
  sampler.applyConfig({ temperature: 0, minP: 0, topK: 40, topP: 0.95, seed: 1, repeatPenaltyMaxTokens: 64, dryRepeatPenaltyBase: 1.75, dryRepeatPenaltyAllowedLength: 2, dryRepeatPenaltyLastTokens: -1 });
  const split = { decodeMs: 0, sampleMs: 0 };
  const gen = async (start: number[], n: number) => {
    native.disposeSequence(0);
    let tokens = Uint32Array.from(start), pos = 0, k = 0;
    while (k < n) {
      native.initBatch(tokens.length);
      const [index] = native.addToBatch(0, pos, tokens, Uint32Array.of(tokens.length - 1));
      let at = performance.now();
      await native.decodeBatch();
      split.decodeMs += performance.now() - at;
      at = performance.now();
      const token = await native.sampleToken(index, sampler);
      split.sampleMs += performance.now() - at;
      if (model.isEogToken(token as never)) break;
      pos += tokens.length;
      tokens = Uint32Array.of(token);
      k++;
    }
    return k;
  };
  const bos = model.tokens.bos == null ? [] : [model.tokens.bos as number];
  await gen([...bos, ...promptTokens(model, "warm up")], 8);
  let tgStart: number[] | undefined;
  for (const p of TG_PROMPTS) {
    const start = promptTokens(model, p);
    if (await gen(start, N) === N) { tgStart = start; break; }
  }
  if (!tgStart) throw new Error(`no tg prompt runs ${N} tokens without EOS`);
  const splits: (TokenSplit & { wallMs: number })[] = [];
  for (let r = 0; r < reps; r++) {
    split.decodeMs = split.sampleMs = 0;
    t = performance.now();
    const cpu = process.cpuUsage();
    const k = await gen(tgStart, N);
    const wallMs = performance.now() - t;
    cpuMs.push(cpuOf(cpu) / N);
    if (k !== N) throw new Error(`generated ${k} tokens, not ${N}`);
    result.generated.push(k);
    result.tg.push(k / (wallMs / 1000));
    splits.push({ decodeMs: split.decodeMs / N, sampleMs: split.sampleMs / N, wallMs: wallMs / N });
  }
  const mid = (f: (s: TokenSplit & { wallMs: number }) => number) => splits.map(f).sort((x, y) => x - y)[splits.length >> 1];
  result.tgSplit = { decodeMs: mid((s) => s.decodeMs), sampleMs: mid((s) => s.sampleMs), wallMs: mid((s) => s.wallMs) };
  await context.dispose();
  await model.dispose();
}

if (cpuMs.length) result.tgCpuMsPerToken = cpuMs.sort((x, y) => x - y)[cpuMs.length >> 1];
console.log(JSON.stringify(result));
process.exit(0);
