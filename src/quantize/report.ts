import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import type { LlamaModel, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";
import { getLlama } from "../runtime/llama.ts";
import type { ModelRecord } from "../store/repos/models.ts";
import { KlAccumulator, type KlSummary } from "./kld.ts";
import { planChunks, referenceTokens, scoredLogProbs, type Chunking } from "./logits.ts";
import type { QuantizeApp } from "./quantize.ts";
import { measureSpeed, type Speed } from "./speed.ts";

export const REFERENCE_TEXT = readFileSync(new URL("./reference.txt", import.meta.url), "utf8");

export interface ModelSide {
  name: string;
  quantization: string;
  sizeBytes: number;
  /** Tensor data only, as llama.cpp counts it: weight bytes × 8 / parameters. */
  bitsPerWeight: number;
  parameters: number;
  activeParameters: number;
  /** ≈ weight bytes read per generated token: what bounds generation speed (active share for MoE). */
  bytesPerToken: number;
  speed: Speed;
}

export interface ReportCard {
  model: ModelSide;
  source: ModelSide;
  quality: KlSummary;
  reference: { bytes: number; tokens: number } & Chunking;
  threads: number;
  createdAt: string;
}

export interface ReportOptions {
  /** Default: the model's parent (the model it was quantized from). */
  against?: string;
  threads?: number;
  /** Tokens per chunk (llama-perplexity's -c); shrunk if the text is short. */
  ctx?: number;
  text?: string;
  onProgress?: (stage: "source" | "model", done: number, total: number) => void;
}

async function parentOf(app: QuantizeApp, m: ModelRecord): Promise<ModelRecord> {
  const parent = m.parentModelId ? (await app.models.list()).find((x) => x.id === m.parentModelId) : undefined;
  if (!parent) throw invalid(`${m.name} has no recorded source model: pass --against <model>`, "against");
  return parent;
}

/**
 * The quantization report card: llama-perplexity --kl-divergence's figures for `name` against
 * its source on the shipped reference text, plus size and speed of both. Models are loaded one
 * at a time (the source's log-probs are kept, float32 per scored position), so the memory
 * peak is one model plus positions × vocabulary × 4 bytes.
 */
export async function quantReport(app: QuantizeApp, name: string, opts: ReportOptions = {}): Promise<ReportCard> {
  const quant = await app.models.get(name);
  const source = opts.against ? await app.models.get(opts.against) : await parentOf(app, quant);
  // The runtime's "auto": more threads only add sync cost on small models.
  const threads = opts.threads ?? ((source.sizeBytes ?? 0) < 100e6 ? 1 : availableParallelism());
  const text = opts.text ?? REFERENCE_TEXT;
  const llama = await getLlama();

  const base = await llama.loadModel({ modelPath: source.path });
  let plan: Chunking, tokens: Token[], baseBos: Token | null, baseLogProbs: Float32Array[] = [], sourceSide: ModelSide;
  try {
    tokens = referenceTokens(base, text);
    baseBos = base.tokens.bos;
    plan = planChunks(tokens.length, opts.ctx);
    const total = plan.chunks * plan.scoredPerChunk;
    for await (const { logProbs } of scoredLogProbs(base, tokens, plan, threads)) {
      baseLogProbs.push(logProbs);
      opts.onProgress?.("source", baseLogProbs.length, total);
    }
    sourceSide = await side(base, source, tokens.slice(0, plan.ctx), threads);
  } finally {
    await base.dispose();
  }

  const model = await llama.loadModel({ modelPath: quant.path });
  const acc = new KlAccumulator();
  let quantSide: ModelSide;
  try {
    if (model.tokens.bos !== baseBos || referenceTokens(model, text).length !== tokens.length) {
      throw invalid(`${quant.name} and ${source.name} tokenize differently: KL divergence needs the same vocabulary`);
    }
    let i = 0;
    for await (const { logProbs, next } of scoredLogProbs(model, tokens, plan, threads)) {
      if (logProbs.length !== baseLogProbs[i].length) throw invalid(`${quant.name} and ${source.name} have different vocabulary sizes`);
      acc.add(baseLogProbs[i], logProbs, next);
      baseLogProbs[i++] = undefined as never; // free as we go
      opts.onProgress?.("model", i, baseLogProbs.length);
    }
    quantSide = await side(model, quant, tokens.slice(0, plan.ctx), threads);
  } finally {
    await model.dispose();
  }
  return {
    model: quantSide, source: sourceSide, quality: acc.summary(),
    reference: { bytes: Buffer.byteLength(text), tokens: tokens.length, ...plan }, threads, createdAt: new Date().toISOString(),
  };
}

async function side(model: LlamaModel, record: ModelRecord, prompt: Token[], threads: number): Promise<ModelSide> {
  const insights = model.fileInsights;
  const parameters = insights.totalParameters;
  const active = Number((record.metadata as { activeParameterCount?: number } | null)?.activeParameterCount ?? parameters);
  return {
    name: record.name,
    quantization: record.quantization ?? "unknown",
    sizeBytes: record.sizeBytes ?? model.size,
    bitsPerWeight: (insights.modelSize * 8) / parameters,
    parameters,
    activeParameters: active,
    bytesPerToken: Math.round((insights.modelSize * active) / parameters),
    speed: await measureSpeed(model, prompt, threads),
  };
}
