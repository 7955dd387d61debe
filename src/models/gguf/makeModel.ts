import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { FileType, type MetaValue, type TensorSpec, TensorType, ValueType, bool, f32, str, u32 } from "./format.ts";
import { SHAPES, type ModelShape, type ShapeName, parameterCounts } from "./shapes.ts";
import { CHATML_TEMPLATE, RERANK_TEMPLATE, buildVocab } from "./vocab.ts";
import { writeGguf } from "./writer.ts";

export interface MakeModelOptions {
  path: string;
  shape?: ShapeName | ModelShape;
  type?: "f32" | "f16";
  seed?: number;
  name?: string;
  /**
   * One half of a speculative-decoding pair, made with the same seed, shape and `pair`: the
   * target, and its draft (`draft: true`), which has only the target's first `draftLayers` layers.
   * In the target, the layers after those add only `quiet` times their usual output to the
   * residual stream (0, the default: nothing, so both compute the same next token), and the
   * output head's noise does not depend on the layer count. Random weights agree with nothing
   * else, so this is how a draft that predicts its target can exist here (bench/speculative.ts).
   */
  pair?: { draftLayers: number; quiet?: number; draft?: boolean };
  onProgress?: (written: number, total: number) => void;
}

export interface MadeModel {
  path: string;
  bytes: number;
  shape: ModelShape;
  parameters: { total: number; active: number };
}

export const RANDOM_WEIGHTS_NOTICE = "Generated with random weights: it produces noise, not answers. For tests and demos only.";

/**
 * Generates a Llama-architecture GGUF (dense, or Mixtral-style MoE when the shape has experts)
 * with seeded random weights. Written to a temporary name and renamed, so a reader never sees
 * half a file.
 */
export async function makeModel(opts: MakeModelOptions): Promise<MadeModel> {
  const base: ModelShape = typeof opts.shape === "object" ? opts.shape : SHAPES[opts.shape ?? "tiny"];
  if (!base) throw new Error(`unknown shape ${String(opts.shape)}; known: ${Object.keys(SHAPES).join(", ")}`);
  const pair = opts.pair;
  if (pair && !(Number.isInteger(pair.draftLayers) && pair.draftLayers >= 1 && pair.draftLayers < base.layers)) {
    throw new Error(`a pair's draft needs between 1 and ${base.layers - 1} layers`);
  }
  const shape: ModelShape = pair?.draft ? { ...base, layers: pair.draftLayers } : base;
  if (shape.embedding % shape.heads || shape.heads % shape.kvHeads) throw new Error("embedding must divide by heads, heads by kvHeads");
  const type = opts.type === "f16" ? TensorType.F16 : TensorType.F32;
  const seed = opts.seed ?? 42;
  const vocab = buildVocab(shape.vocab, { infill: shape.infill });
  const headDim = shape.embedding / shape.heads;
  const kv = shape.kvHeads * headDim;
  const moe = (shape.experts ?? 0) > 1;
  const name = opts.name ?? `freehold-random-${shape.reranker ? "rerank" : moe ? "moe" : shape.infill ? "coder" : "dense"}-${shape.embedding}x${shape.layers}`;

  // Rerankers take Qwen3's layout, the one llama.cpp gives a classifier head among decoder models.
  const arch = shape.reranker ? "qwen3" : "llama";
  const metadata: Record<string, MetaValue> = {
    "general.architecture": str(arch),
    "general.name": str(name),
    "general.description": str(RANDOM_WEIGHTS_NOTICE),
    "general.file_type": u32(type === TensorType.F16 ? FileType.MOSTLY_F16 : FileType.ALL_F32),
    [`${arch}.context_length`]: u32(shape.contextLength),
    [`${arch}.embedding_length`]: u32(shape.embedding),
    [`${arch}.block_count`]: u32(shape.layers),
    [`${arch}.feed_forward_length`]: u32(shape.feedForward),
    [`${arch}.rope.dimension_count`]: u32(headDim),
    [`${arch}.rope.freq_base`]: f32(10000),
    [`${arch}.attention.head_count`]: u32(shape.heads),
    [`${arch}.attention.head_count_kv`]: u32(shape.kvHeads),
    [`${arch}.attention.layer_norm_rms_epsilon`]: f32(1e-5),
    [`${arch}.vocab_size`]: u32(shape.vocab),
    ...(moe ? { "llama.expert_count": u32(shape.experts!), "llama.expert_used_count": u32(shape.expertsUsed ?? 2) } : {}),
    ...(shape.reranker ? {
      [`${arch}.pooling_type`]: u32(4), // LLAMA_POOLING_TYPE_RANK
      [`${arch}.classifier.output_labels`]: { type: ValueType.ARRAY, itemType: ValueType.STRING, value: ["yes", "no"] },
    } : {}),
    "tokenizer.ggml.model": str("llama"),
    "tokenizer.ggml.tokens": { type: ValueType.ARRAY, itemType: ValueType.STRING, value: vocab.tokens },
    "tokenizer.ggml.scores": { type: ValueType.ARRAY, itemType: ValueType.FLOAT32, value: vocab.scores },
    "tokenizer.ggml.token_type": { type: ValueType.ARRAY, itemType: ValueType.INT32, value: vocab.types },
    "tokenizer.ggml.bos_token_id": u32(vocab.bos),
    "tokenizer.ggml.eos_token_id": u32(vocab.eos),
    "tokenizer.ggml.eot_token_id": u32(vocab.imEnd),
    "tokenizer.ggml.unknown_token_id": u32(vocab.unk),
    ...(vocab.fim ? {
      "tokenizer.ggml.fim_pre_token_id": u32(vocab.fim.prefix),
      "tokenizer.ggml.fim_suf_token_id": u32(vocab.fim.suffix),
      "tokenizer.ggml.fim_mid_token_id": u32(vocab.fim.middle),
    } : {}),
    // Qwen's tokenizers add no BOS; a reranker's input is its rerank template, as llama.cpp's server and node-llama-cpp both build it.
    "tokenizer.ggml.add_bos_token": bool(!shape.reranker),
    "tokenizer.ggml.add_eos_token": bool(false),
    "tokenizer.chat_template": str(CHATML_TEMPLATE),
    ...(shape.reranker ? { "tokenizer.chat_template.rerank": str(RERANK_TEMPLATE) } : {}),
  };

  // Norms stay F32 (as in real checkpoints); matrices take the requested type.
  const std = 0.02;
  const matrix = (name: string, dims: number[], scale = 1): TensorSpec => ({ name, dims, type, init: { kind: "normal", std: std * scale } });
  /** A pair's target: what its layers past the draft's write into the residual stream. */
  const quiet = (l: number) => (pair && l >= pair.draftLayers ? pair.quiet ?? 0 : 1);
  const norm = (name: string): TensorSpec => ({ name, dims: [shape.embedding], type: TensorType.F32, init: { kind: "const", value: 1 } });
  const E = shape.embedding, F = shape.feedForward, X = shape.experts ?? 0;
  const tensors: TensorSpec[] = [matrix("token_embd.weight", [E, shape.vocab])];
  for (let l = 0; l < shape.layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      norm(p + "attn_norm.weight"),
      matrix(p + "attn_q.weight", [E, E]),
      matrix(p + "attn_k.weight", [E, kv]),
      matrix(p + "attn_v.weight", [E, kv]),
      matrix(p + "attn_output.weight", [E, E], quiet(l)),
      norm(p + "ffn_norm.weight"),
    );
    if (shape.reranker) {
      const headNorm = (n: string): TensorSpec => ({ name: p + n, dims: [headDim], type: TensorType.F32, init: { kind: "const", value: 1 } });
      tensors.push(headNorm("attn_q_norm.weight"), headNorm("attn_k_norm.weight"));
    }
    if (moe) {
      tensors.push(
        { name: p + "ffn_gate_inp.weight", dims: [E, X], type: TensorType.F32, init: { kind: "normal", std } },
        matrix(p + "ffn_gate_exps.weight", [E, F, X]),
        matrix(p + "ffn_up_exps.weight", [E, F, X]),
        matrix(p + "ffn_down_exps.weight", [F, E, X], quiet(l)),
      );
    } else {
      tensors.push(matrix(p + "ffn_gate.weight", [E, F]), matrix(p + "ffn_up.weight", [E, F]), matrix(p + "ffn_down.weight", [F, E], quiet(l)));
    }
  }
  // A pair's two halves have different layer counts, so different indexes here: one stream for both.
  tensors.push(norm("output_norm.weight"), { ...matrix("output.weight", [E, shape.vocab]), ...(pair ? { stream: 0x10000 } : {}) });
  // The classifier's scale sets how far apart scores fall: a std of 0.02 would make every score ~0.5.
  if (shape.reranker) tensors.push({ name: "cls.output.weight", dims: [E, 2], type: TensorType.F32, init: { kind: "normal", std: 0.15 } });

  await mkdir(dirname(opts.path), { recursive: true });
  const tmp = `${opts.path}.tmp-${process.pid}`;
  try {
    const { bytes } = await writeGguf(tmp, metadata, tensors, seed, opts.onProgress);
    await rename(tmp, opts.path);
    return { path: opts.path, bytes, shape, parameters: parameterCounts(shape) };
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
