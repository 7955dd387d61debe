import { stat } from "node:fs/promises";
import type { GgufInsights } from "node-llama-cpp";
import { llamaCpp } from "./llamaCpp.ts";
import { FreeholdError } from "../errors.ts";
import { getLlama, type LlamaSettings } from "./llama.ts";

export interface ContextShape {
  /** Tokens per sequence. */
  contextSize: number;
  /** Parallel sequences sharing one context. */
  sequences: number;
  /** Tokens decoded per batch; node-llama-cpp's default is min(contextSize × sequences, 512). */
  batchSize?: number;
  /** Layers offloaded to a GPU (0 on CPU-only machines). */
  gpuLayers?: number;
  /** An embedding context (no sampling buffers, whole input in one batch). */
  embedding?: boolean;
  /** Weights mapped from the file instead of read into memory; default false, as the pool loads. */
  useMmap?: boolean;
}

export interface MemoryPrediction {
  /** Weights as loaded (tensor bytes). */
  weightsBytes: number;
  /** Everything one context allocates: KV cache for all sequences, compute and output buffers. */
  kvCacheBytes: number;
  totalBytes: number;
  /** The model's trained context length, when the file says. */
  trainContextSize?: number;
}

const insightsCache = new Map<string, Promise<GgufInsights>>();
/** Per file version (its insights object), per context shape. */
const predictionCache = new WeakMap<GgufInsights, Map<string, Promise<MemoryPrediction>>>();

/** Cached like a memo; a failed read is forgotten so a later call can retry. */
function memo<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let hit = map.get(key);
  if (!hit) {
    hit = make();
    map.set(key, hit);
    hit.catch(() => map.delete(key));
  }
  return hit;
}

/** The GGUF's metadata and tensor table, read once per file version (path + mtime). */
export async function modelInsights(path: string, llamaSettings?: LlamaSettings): Promise<GgufInsights> {
  const file = await stat(path).catch(() => {
    throw new FreeholdError("not_found", `model file not found: ${path}`);
  });
  return memo(insightsCache, `${path}\0${file.mtimeMs}`, async () => {
    const { GgufInsights, readGgufFileInfo } = await llamaCpp();
    const info = await readGgufFileInfo(path, { sourceType: "filesystem", logWarnings: false }).catch((e: unknown) => {
      throw new FreeholdError("invalid_request", `not a readable GGUF file: ${path} (${(e as Error).message})`);
    });
    return GgufInsights.from(info, await getLlama(llamaSettings));
  });
}

/**
 * Predicts what loading a model with one context takes. Weights come from the GGUF tensor table;
 * the context from node-llama-cpp's simulation, which has the bundled llama.cpp plan the KV,
 * compute and output buffers without allocating them, so it matches what llama.cpp allocates.
 * Not included: a few MB per model of vocabulary and bookkeeping outside llama.cpp's buffers
 * (negligible beside real models). With mmap on a CPU that repacks weights (AMX here), the
 * file pages of repacked tensors stay mapped beside the repacked copy and are not predicted
 * either, which is one reason the pool loads without mmap.
 */
export async function predictMemory(path: string, shape: ContextShape, llamaSettings?: LlamaSettings): Promise<MemoryPrediction> {
  const insights = await modelInsights(path, llamaSettings);
  let forFile = predictionCache.get(insights);
  if (!forFile) predictionCache.set(insights, (forFile = new Map()));
  return memo(forFile, JSON.stringify(shape), async () => {
    const gpuLayers = shape.gpuLayers ?? 0;
    const useMmap = shape.useMmap ?? false;
    const weights = await insights.estimateModelResourceRequirementsV2({ gpuLayers, useMmap });
    const context = await insights.estimateContextResourceRequirementsV2({
      contextSize: shape.contextSize,
      sequences: shape.sequences,
      batchSize: shape.batchSize ?? Math.min(shape.contextSize * shape.sequences, 512),
      modelGpuLayers: gpuLayers,
      isEmbeddingContext: shape.embedding ?? false,
      useMmap,
    });
    const weightsBytes = weights.cpuRam + weights.gpuVram;
    const kvCacheBytes = context.cpuRam + context.gpuVram;
    return { weightsBytes, kvCacheBytes, totalBytes: weightsBytes + kvCacheBytes, trainContextSize: insights.trainContextSize };
  });
}
