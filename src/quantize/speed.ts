import type { LlamaModel, Token } from "node-llama-cpp";

export interface Speed {
  /** Prompt processing: `promptTokens` evaluated in one batch from an empty context. */
  promptTokensPerSecond: number;
  /** Greedy generation of `generatedTokens` tokens one at a time, after a BOS. */
  generationTokensPerSecond: number;
  promptTokens: number;
  generatedTokens: number;
}

/**
 * One run of each, like llama-bench's pp and tg tests: a prompt of `prompt` tokens in one
 * batch, then generation from an empty context. Both models of a report are measured with the
 * same threads, context and token counts, so the ratio is what the quantization changed.
 */
export async function measureSpeed(model: LlamaModel, prompt: Token[], threads: number, generate = 32): Promise<Speed> {
  const context = await model.createContext({ contextSize: Math.max(prompt.length, generate + 1), batchSize: prompt.length, sequences: 1, threads });
  try {
    const sequence = context.getSequence();
    let t = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    const promptSeconds = (performance.now() - t) / 1000;

    await sequence.clearHistory();
    let n = 0;
    t = performance.now();
    for await (const _token of sequence.evaluate([model.tokens.bos ?? prompt[0]], { temperature: 0 })) {
      if (++n >= generate) break;
    }
    const genSeconds = (performance.now() - t) / 1000;
    return {
      promptTokensPerSecond: prompt.length / promptSeconds,
      generationTokensPerSecond: n / genSeconds,
      promptTokens: prompt.length,
      generatedTokens: n,
    };
  } finally {
    await context.dispose();
  }
}
