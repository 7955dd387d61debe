import { FreeholdError, invalid } from "../errors.ts";
import type { EmbedResult } from "./types.ts";
import type { Held } from "./lease.ts";
import { overflow } from "./limits.ts";

/**
 * One vector per input from the model's embedding context (made on first use, kept with the
 * model). Inputs run one after another: node-llama-cpp's embedding context holds one sequence.
 */
export async function embed({ loaded, signal }: Held, inputs: string[]): Promise<EmbedResult> {
  if (inputs.length === 0) throw invalid("input must not be empty", "input");
  const context = await loaded.embeddingContext();
  const limit = loaded.settings.contextSize;
  const lengths = inputs.map((text, i) => {
    const n = context.calculateInputLength(text);
    if (n >= limit) throw overflow(n, limit, `input[${i}]`);
    return n;
  });
  const embeddings: number[][] = [];
  for (const text of inputs) {
    signal.throwIfAborted();
    try {
      embeddings.push([...(await context.getEmbeddingFor(text)).vector]);
    } catch (e) {
      throw new FreeholdError("internal", `embedding failed: ${(e as Error).message}`, { cause: e });
    }
  }
  return { embeddings, promptTokens: lengths.reduce((a, b) => a + b, 0) };
}
