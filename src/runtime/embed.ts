import type { Token } from "node-llama-cpp";
import { FreeholdError, invalid } from "../errors.ts";
import type { EmbedOptions, EmbedResult, Prompt } from "./types.ts";
import { checkedTokens } from "./promptLogprobs.ts";
import type { Held } from "./lease.ts";
import { overflow } from "./limits.ts";

/**
 * One vector per input from the model's embedding context (made on first use, kept with the
 * model). Inputs run one after another: node-llama-cpp's embedding context holds one sequence;
 * requests take turns behind a bounded queue.
 */
export async function embed({ loaded, signal }: Held, inputs: Prompt[], opts: EmbedOptions = {}): Promise<EmbedResult> {
  if (inputs.length === 0) throw invalid("input must not be empty", "input");
  const context = await loaded.embeddingContext();
  const limit = loaded.settings.contextSize;
  const prepared = inputs.map((given, i) => {
    // Token ids are taken as sent (OpenAI's token-array input); text is tokenized by the context.
    const text = typeof given === "string" ? given : checkedTokens(loaded.model, given, "input");
    const n = context.calculateInputLength(text);
    if (n < limit) return { input: text as string | Token[], n };
    if (!opts.truncate) throw overflow(n, limit, `input[${i}]`, "input", false);
    // Tokenized as the embedding context does, then cut so that with the BOS/EOS it adds it fits.
    const tokens = typeof text === "string" ? loaded.model.tokenize(text, true) : text;
    const kept = tokens.slice(0, limit - 1 - (n - tokens.length));
    return { input: kept, n: context.calculateInputLength(kept) };
  });
  const embeddings: number[][] = [];
  await loaded.takeTurn("embedding", signal, async () => {
    for (const { input } of prepared) {
      signal.throwIfAborted();
      try {
        embeddings.push([...(await context.getEmbeddingFor(input)).vector]);
      } catch (e) {
        throw new FreeholdError("internal", `embedding failed: ${(e as Error).message}`, { cause: e });
      }
    }
  });
  return { embeddings, promptTokens: prepared.reduce((a, p) => a + p.n, 0) };
}
