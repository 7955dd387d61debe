/** Model shapes the generator can produce: tiny ones for tests, real-world ones for benchmarks. */
export interface ModelShape {
  embedding: number; // n_embd
  layers: number;
  heads: number;
  kvHeads: number;
  feedForward: number; // n_ff (per expert for MoE)
  vocab: number;
  contextLength: number;
  experts?: number; // Mixture-of-Experts: total experts per layer
  expertsUsed?: number; // experts active per token
  /**
   * A reranker: Qwen3-Reranker's layout (qwen3 architecture, a two-label "yes"/"no" classifier
   * head `cls.output.weight`, rank pooling), scored by llama.cpp's rank pooling.
   */
  reranker?: boolean;
  /** Fill-in-the-middle tokens in the vocabulary (prefix, suffix, middle), as code models have them. */
  infill?: boolean;
}

export const SHAPES = {
  /** ~0.4 MB at F32: loads in milliseconds, for unit tests. */
  tiny: { embedding: 64, layers: 2, heads: 4, kvHeads: 2, feedForward: 128, vocab: 512, contextLength: 2048 },
  /** Mixtral-style MoE in the llama architecture, 4 experts with 2 used. */
  "tiny-moe": { embedding: 64, layers: 2, heads: 4, kvHeads: 2, feedForward: 96, vocab: 512, contextLength: 2048, experts: 4, expertsUsed: 2 },
  /** The tiny size with a code model's fill-in-the-middle tokens (suffix / insert requests). */
  "tiny-coder": { embedding: 64, layers: 2, heads: 4, kvHeads: 2, feedForward: 128, vocab: 512, contextLength: 2048, infill: true },
  /** A reranker of the tiny size, in Qwen3-Reranker's layout. */
  "tiny-rerank": { embedding: 64, layers: 2, heads: 4, kvHeads: 2, feedForward: 128, vocab: 512, contextLength: 2048, reranker: true },
  /**
   * For benchmarks: Qwen3-Reranker-0.6B's size (28 layers, width 1024, feed-forward 3072, its
   * 151,669-token vocabulary) with 8 heads of 128 (the real one has 16 query heads of 128).
   */
  "rerank-0.6b": { embedding: 1024, layers: 28, heads: 8, kvHeads: 8, feedForward: 3072, vocab: 151669, contextLength: 8192, reranker: true },
  /** SmolLM-135M's shape (its real tokenizer is BPE; ours is SentencePiece-style of the same size). */
  "smollm-135m": { embedding: 576, layers: 30, heads: 9, kvHeads: 3, feedForward: 1536, vocab: 49152, contextLength: 2048 },
  /**
   * For benchmarks: Qwen2.5-Coder-0.5B's size (24 layers, width 896, 14 heads of 64 with 2 KV heads,
   * feed-forward 4864, its 151,936-token vocabulary) with its fill-in-the-middle tokens, in the
   * llama architecture (no attention biases): the code-completion model llama.vim suggests for small machines.
   */
  "coder-0.5b": { embedding: 896, layers: 24, heads: 14, kvHeads: 2, feedForward: 4864, vocab: 151936, contextLength: 32768, infill: true },
  /** TinyLlama-1.1B's shape. */
  "tinyllama-1.1b": { embedding: 2048, layers: 22, heads: 32, kvHeads: 4, feedForward: 5632, vocab: 32000, contextLength: 2048 },
  /** A ~1B-total / ~0.4B-active MoE for benchmarks: TinyLlama's attention with 8 experts, 2 used. */
  "moe-1b": { embedding: 1024, layers: 16, heads: 16, kvHeads: 4, feedForward: 1408, vocab: 32000, contextLength: 2048, experts: 8, expertsUsed: 2 },
} satisfies Record<string, ModelShape>;

export type ShapeName = keyof typeof SHAPES;

/** Parameters in total and active per token (they differ only for MoE). */
export function parameterCounts(s: ModelShape): { total: number; active: number } {
  const headDim = s.embedding / s.heads;
  const kv = s.kvHeads * headDim;
  const attention = s.embedding * s.embedding * 2 + s.embedding * kv * 2;
  const expert = s.embedding * s.feedForward * 3;
  const router = s.experts ? s.embedding * s.experts : 0;
  const norms = s.embedding * 2 + (s.reranker ? headDim * 2 : 0);
  const perLayerBase = attention + router + norms;
  const embeddings = s.vocab * s.embedding * 2 + s.embedding + (s.reranker ? s.embedding * 2 : 0);
  const total = embeddings + s.layers * (perLayerBase + expert * (s.experts ?? 1));
  const active = embeddings + s.layers * (perLayerBase + expert * (s.expertsUsed ?? 1));
  return { total, active };
}
