import { rm, stat } from "node:fs/promises";
import type { Paths } from "../config.ts";
import { conflict, invalid } from "../errors.ts";
import { checkModelName } from "../models/names.ts";
import type { Preset } from "../models/preset.ts";
import type { ModelStore } from "../models/store.ts";
import type { Db } from "../store/db.ts";
import type { ModelRecord } from "../store/repos/models.ts";
import { JobTracker } from "./job.ts";
import { partialPath, sweepStalePartials } from "./partials.ts";
import { runQuantizer, type QuantizeProgress } from "./runQuantizer.ts";
import { checkFreeSpace, estimateOutputBytes, type StatFs } from "./space.ts";
import { GGML_TYPE_COUNT, parseGgmlType, parseQuantType, UNQUANTIZED, type QuantType } from "./types.ts";

export interface QuantizeOptions {
  /** Target type, as llama-quantize names it: Q4_K_M, Q8_0, IQ4_XS... */
  to: string;
  /** Name of the new model; default: the source's name with the type as its tag. */
  name?: string;
  /** Quantize a source that is already quantized (loses more quality than quantizing the original). */
  allowRequantize?: boolean;
  /** Keep output.weight at the source's precision. */
  leaveOutput?: boolean;
  /** ggml type for output.weight / token_embd.weight, e.g. q8_0 (default: chosen by the type). */
  outputType?: string;
  tokenEmbeddingType?: string;
  /** Every tensor to the target type, without llama.cpp's per-tensor mixture. */
  pure?: boolean;
  /** 0 or unset: all cores. */
  threads?: number;
  /** The new model's system prompt and parameters; default: the source's. */
  preset?: Preset | null;
  onProgress?: (p: QuantizeProgress) => void;
  signal?: AbortSignal;
  /** For tests: a stand-in for fs.statfs. */
  statfs?: StatFs;
}

export interface QuantizeResult {
  model: ModelRecord;
  source: ModelRecord;
  type: QuantType;
  seconds: number;
  sourceBytes: number;
  outputBytes: number;
  /** llama.cpp's figures: bits per weight of the tensor data. */
  sourceBitsPerWeight?: number;
  bitsPerWeight?: number;
  tensors: number;
  /** Tensors whose row size the type's block does not divide, stored in a fallback type. */
  fallbacks: number;
}

/** A run's outcome as plain data: what `freehold quantize` prints, locally or from a server. */
export function quantizeSummary(r: QuantizeResult) {
  return {
    model: r.model.name, source: r.source.name, type: r.type.name, seconds: r.seconds, sourceBytes: r.sourceBytes, outputBytes: r.outputBytes,
    sourceBitsPerWeight: r.sourceBitsPerWeight ?? null, bitsPerWeight: r.bitsPerWeight ?? null, tensors: r.tensors, fallbacks: r.fallbacks,
  };
}
export type QuantizeSummary = ReturnType<typeof quantizeSummary>;

export interface QuantizeApp {
  paths: Paths;
  models: ModelStore;
  /** When present, each run is recorded as a `quantize` row in `jobs`. */
  db?: Db;
}

/** "org/llama:f16" → "org/llama:q4_k_m"; "llama" → "llama:q4_k_m". */
export function defaultName(source: string, type: QuantType): string {
  const slash = source.lastIndexOf("/");
  const colon = source.lastIndexOf(":");
  const base = colon > slash ? source.slice(0, colon) : source;
  return `${base}:${type.name.toLowerCase()}`;
}

/**
 * Quantizes a registered model with llama.cpp's quantizer and registers the result as a new
 * model whose parent is the source. The output is written under downloads/ and registered only
 * when complete; on failure or cancellation the partial file is deleted, and a crash leaves only
 * a partial that the next run sweeps. So no half-written model is ever registered, and a failed
 * job can simply be run again.
 */
export async function quantizeModel(app: QuantizeApp, sourceName: string, opts: QuantizeOptions): Promise<QuantizeResult> {
  const type = parseQuantType(opts.to);
  const source = await app.models.get(sourceName);
  const from = source.quantization ?? "unknown";
  if (!opts.allowRequantize && !UNQUANTIZED.has(from)) {
    throw invalid(`${source.name} is already quantized (${from}); quantizing it again loses more quality than quantizing the `
      + `F16/F32 original. Pass --allow-requantize to do it anyway`, "allowRequantize");
  }
  const name = checkModelName(opts.name ?? defaultName(source.name, type));
  if (await app.models.find(name)) throw conflict(`a model named "${name}" already exists; choose another with --name`);
  const threads = opts.threads ?? 0;
  if (!Number.isInteger(threads) || threads < 0) throw invalid(`threads must be a whole number ≥ 0, got ${opts.threads}`, "threads");
  const params = {
    ftype: type.ftype,
    nthread: threads,
    allow_requantize: !!opts.allowRequantize,
    quantize_output_tensor: !opts.leaveOutput,
    pure: !!opts.pure,
    output_tensor_type: opts.outputType ? parseGgmlType(opts.outputType, "outputType") : GGML_TYPE_COUNT,
    token_embedding_type: opts.tokenEmbeddingType ? parseGgmlType(opts.tokenEmbeddingType, "tokenEmbeddingType") : GGML_TYPE_COUNT,
  };

  await sweepStalePartials(app.paths.downloads);
  await checkFreeSpace(app.paths.downloads, estimateOutputBytes(source.parameterCount ?? source.sizeBytes ?? 0, type), opts.statfs);

  const tmp = partialPath(app.paths.downloads);
  const job = await JobTracker.start(app.db, "quantize", { source: source.name, to: type.name, name, ...params });
  const started = performance.now();
  try {
    const run = await runQuantizer({
      input: source.path, output: tmp, params, signal: opts.signal,
      onProgress: (p) => { job.progress(p.tensorsDone / p.tensorsTotal); opts.onProgress?.(p); },
    });
    const seconds = (performance.now() - started) / 1000;
    const outputBytes = (await stat(tmp)).size;
    opts.signal?.throwIfAborted();
    const model = await app.models.register(tmp, {
      name, source: "quantize", sourceRef: `${source.name} → ${type.name}`, parentName: source.name, adopt: true,
      description: source.description ?? undefined, preset: opts.preset !== undefined ? opts.preset : source.preset,
    });
    const result: QuantizeResult = {
      model, source, type, seconds, sourceBytes: source.sizeBytes ?? 0, outputBytes,
      sourceBitsPerWeight: run.sourceBitsPerWeight, bitsPerWeight: run.bitsPerWeight, tensors: run.tensors, fallbacks: run.fallbacks,
    };
    // The model is registered now: a lost job row must not turn that into an error.
    await job.finish({ status: "succeeded", result: { model: model.name, type: type.name, seconds, sourceBytes: result.sourceBytes, outputBytes,
      bitsPerWeight: run.bitsPerWeight, tensors: run.tensors, fallbacks: run.fallbacks } }).catch(() => undefined);
    return result;
  } catch (e) {
    await job.finish(opts.signal?.aborted ? { status: "cancelled" } : { status: "failed", error: (e as Error).message }).catch(() => undefined);
    throw e;
  } finally {
    // After a successful register the file has moved into models/; otherwise nothing may stay.
    await rm(tmp, { force: true });
  }
}
