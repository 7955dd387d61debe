import type { LlamaModel, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";
import { logSoftmax } from "./kld.ts";

export interface Chunking {
  /** Tokens per chunk (llama-perplexity's -c). */
  ctx: number;
  chunks: number;
  /** Scored positions per chunk: the second half, minus the last token (it has no successor). */
  scoredPerChunk: number;
}

/**
 * llama-perplexity's chunking: the text is cut into floor(tokens / ctx) chunks and needs at least
 * two. We start at `ctx` and halve it until the text yields two chunks, so a short reference text
 * still gets scored; the chosen ctx is reported, to reproduce the figures with `-c`.
 */
export function planChunks(tokenCount: number, ctx = 256, minCtx = 16): Chunking {
  while (ctx > minCtx && tokenCount < 2 * ctx) ctx /= 2;
  if (tokenCount < 2 * ctx) throw invalid(`the reference text is too short: ${tokenCount} tokens, need at least ${2 * ctx}`);
  return { ctx, chunks: Math.floor(tokenCount / ctx), scoredPerChunk: ctx - 1 - ctx / 2 };
}

/** The text's tokens as common_tokenize(text, add_special = true) gives them: BOS first when the model wants one. */
export function referenceTokens(model: LlamaModel, text: string): Token[] {
  const tokens = model.tokenize(text);
  return model.tokens.bos != null && model.tokens.shouldPrependBosToken ? [model.tokens.bos, ...tokens] : tokens;
}

/**
 * Evaluates each chunk from an empty context (first token replaced by BOS, as llama-perplexity
 * does) and yields the log-probabilities at every scored position with the token that follows.
 * Full-vocabulary logits come from node-llama-cpp's controlledEvaluate: with no sampling options
 * its sampler chain is greedy only, which leaves the logits untouched.
 */
export async function* scoredLogProbs(model: LlamaModel, tokens: Token[], plan: Chunking, threads: number) {
  const context = await model.createContext({ contextSize: plan.ctx, batchSize: plan.ctx, sequences: 1, threads });
  try {
    const sequence = context.getSequence();
    const first = plan.ctx / 2;
    for (let c = 0; c < plan.chunks; c++) {
      const chunk = tokens.slice(c * plan.ctx, (c + 1) * plan.ctx);
      if (model.tokens.bos != null && model.tokens.shouldPrependBosToken) chunk[0] = model.tokens.bos;
      await sequence.clearHistory();
      const out = await sequence.controlledEvaluate(chunk.map((t, i) => (i >= first && i < plan.ctx - 1 ? [t, { generateNext: { logits: true } }] : t)));
      for (let i = first; i < plan.ctx - 1; i++) {
        const logits = out[i]?.next.logits;
        if (!logits) throw new Error(`no logits at position ${i} of chunk ${c}`);
        const dense = new Float32Array(logits.size);
        for (const [token, value] of logits) dense[token] = value;
        yield { logProbs: logSoftmax(dense, dense), next: chunk[i + 1] };
      }
    }
  } finally {
    await context.dispose();
  }
}
