import { FreeholdError, invalid } from "../errors.ts";
import type { Held } from "./lease.ts";
import { overflow } from "./limits.ts";
import { rerankTemplate, rerankTokens } from "./rerankInput.ts";
import type { RerankResult } from "./types.ts";

export const notReranker = (name: string) =>
  new FreeholdError("invalid_request", `${name} is not a reranker: it has no classifier head (cls.output.weight) to score documents with`, { param: "model" });

/**
 * Scores each document against the query with the model's classifier head (llama.cpp's rank
 * pooling, through node-llama-cpp's ranking context, made on first use and kept with the model),
 * on the same tokens llama.cpp's server would score (rerankInput.ts).
 * Each query–document pair must fit the context: a longer one is a 400 naming the document,
 * never silently cut. Pairs run one after another (the ranking context holds one sequence), and
 * requests take turns behind a bounded queue.
 */
export async function rerank({ loaded, signal }: Held, query: string, documents: string[]): Promise<RerankResult> {
  if (documents.length === 0) throw invalid("documents must not be empty", "documents");
  const context = await loaded.rankingContext();
  const limit = context.contextSize;
  const template = rerankTemplate(loaded.model);
  let promptTokens = 0;
  const inputs = documents.map((d, i) => {
    const tokens = rerankTokens(loaded.model, template, query, d);
    const n = context.calculateInputLength(tokens, []);
    if (n >= limit) throw overflow(n, limit, `query with documents[${i}]`, "documents", false);
    promptTokens += n;
    return tokens;
  });
  const scores: number[] = [];
  await loaded.takeTurn("ranking", signal, async () => {
    for (const tokens of inputs) {
      signal.throwIfAborted();
      try {
        scores.push(await context.rank(tokens, []));
      } catch (e) {
        throw new FreeholdError("internal", `reranking failed: ${(e as Error).message}`, { cause: e });
      }
    }
  });
  return { scores, promptTokens };
}
