import { availableParallelism, totalmem } from "node:os";
import { DEFAULT_PROMPT_CHUNK } from "./batching.ts";
import type { LlamaSettings } from "./llama.ts";
import type { ModelSettings } from "./loadedModel.ts";
import { modelInsights, predictMemory, type MemoryPrediction } from "./memory.ts";

export interface PoolOptions extends LlamaSettings {
  /** Default: 80% of the machine's memory. */
  memoryBudgetBytes?: number;
  /** How long an idle model stays loaded; default 5 minutes. -1 = forever. */
  defaultKeepAliveMs?: number;
  /** Tokens per sequence; default min(the model's trained context, 4096). */
  contextSize?: number;
  /**
   * Parallel sequences per model context. Default: 16, or 8, or 4, the most whose context (KV
   * cache for every sequence + buffers) takes at most an eighth of the memory budget; below that,
   * 4, 2 or 1, the most with which the model fits the budget at all.
   */
  sequences?: number;
  /** Requests waiting per model context beyond the busy sequences; default 16. */
  queueLimit?: number;
  /** "auto": 1 for models under ~100 MB (more threads only add sync cost), else every core. */
  threads?: number | "auto";
  batchSize?: number;
  /** Prompt tokens per decode step while other streams generate; default 128 (see batching.ts). */
  promptChunk?: number;
  /** Layers offloaded to a GPU; "auto" lets node-llama-cpp fit as many as VRAM holds. */
  gpuLayers?: number | "auto";
  /**
   * Map weights from the file instead of reading them; default false. On CPUs that repack
   * weights for faster kernels (AMX, AVX2/ARM repack), mmap keeps the file pages of repacked
   * tensors resident beside the copy: a 326 MB F16 model took 835 MB instead of 623 MB here,
   * which the memory budget cannot see. Reading costs the same load time (measured).
   */
  useMmap?: boolean;
}

export interface PlanOverrides {
  contextSize?: number;
  sequences?: number;
}

export interface Plan {
  settings: ModelSettings;
  prediction: MemoryPrediction;
}

/**
 * Default sequence counts, most first. Parallel streams share each decode step (batching.ts), so
 * more sequences buy throughput and first-token time under load, and cost nothing when idle but
 * their KV cache (46 MB each for the 1.1B shape at 2048 tokens). Measured on 2 cores, 1.1B shape
 * Q4_0, 16 clients: 8 sequences 41 tok/s, first token p50 15 s; 16 sequences 52 tok/s, 6.9 s.
 */
const DEFAULT_SEQUENCES = [16, 8, 4];
/** When even 4 sequences take more than their share: fewer rather than refusing a model that fits with them. */
const FALLBACK_SEQUENCES = [4, 2, 1];
/** The share of the memory budget one model's default context may take. */
const CONTEXT_SHARE = 1 / 8;

export function memoryBudget(o: PoolOptions): number {
  return o.memoryBudgetBytes ?? Math.floor(totalmem() * 0.8);
}

/** The settings a model loads with under these options, and the memory that will take. */
export async function planModel(path: string, o: PoolOptions, overrides: PlanOverrides = {}): Promise<Plan> {
  const train = (await modelInsights(path, o)).trainContextSize;
  const contextSize = effectiveContextSize(overrides.contextSize ?? o.contextSize ?? Math.min(train ?? 4096, 4096), train);
  const gpuLayers = o.gpuLayers ?? (o.gpu === false ? 0 : "auto");
  const useMmap = o.useMmap ?? false;
  const shape = (sequences: number) => ({
    contextSize, sequences, batchSize: o.batchSize ?? Math.min(contextSize * sequences, 512),
    gpuLayers: typeof gpuLayers === "number" ? gpuLayers : 0, useMmap,
  });
  const chosen = overrides.sequences ?? o.sequences;
  const budget = memoryBudget(o);
  // A configured count is taken as it is; by default the first whose context keeps to its share,
  // else the most with which the whole model fits, else 1 (the pool then refuses it, saying why).
  const pick = async (counts: number[], fits: (p: MemoryPrediction) => boolean) => {
    for (const n of counts) {
      const p = await predictMemory(path, shape(n), o);
      if (fits(p) || n === counts.at(-1)) return { sequences: n, prediction: p };
    }
    throw new Error("unreachable: no sequence counts");
  };
  let { sequences, prediction } = chosen !== undefined
    ? await pick([chosen], () => true)
    : await pick(DEFAULT_SEQUENCES, (p) => p.kvCacheBytes <= budget * CONTEXT_SHARE);
  if (chosen === undefined && prediction.kvCacheBytes > budget * CONTEXT_SHARE) {
    ({ sequences, prediction } = await pick(FALLBACK_SEQUENCES, (p) => p.totalBytes <= budget));
  }
  const { batchSize } = shape(sequences);
  // Tiny models: a second thread costs more in synchronisation than it adds in compute.
  const threads = o.threads === undefined || o.threads === "auto"
    ? (prediction.weightsBytes < 100e6 ? 1 : availableParallelism())
    : o.threads;
  return { settings: { contextSize, sequences, queueLimit: o.queueLimit ?? 16, threads, batchSize, promptChunk: o.promptChunk ?? DEFAULT_PROMPT_CHUNK, gpuLayers, useMmap }, prediction };
}

/**
 * The context size node-llama-cpp actually creates: it rounds up to llama.cpp's 256-cell padding
 * unless that would pass the trained length. Planning with the same number keeps the memory
 * prediction and the overflow checks exact.
 */
function effectiveContextSize(requested: number, train: number | undefined): number {
  const padded = Math.ceil(Math.max(2, requested) / 256) * 256;
  return train !== undefined && requested <= train && padded < train ? padded : requested;
}
