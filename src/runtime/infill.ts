import type { LlamaModel, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";

/** llama-server's default batch, whose 3/4 the prefix and 1/4 the suffix may take (format_prompt_infill). */
const SERVER_BATCH = 2048;

/**
 * A fill-in-the-middle prompt, as llama.cpp's server builds it for /infill (format_prompt_infill,
 * prefix-suffix-middle order): [BOS] FIM_PRE prefix FIM_SUF suffix FIM_MID, the model then writing
 * what goes between. Prefix and suffix are read as plain text (special-token names in code stay
 * text). Like the server, a long prefix keeps its end and a long suffix its start (the code nearest
 * the cursor), within a budget of min(2048, half the context): 3/4 for the prefix, the rest for
 * the suffix, so the answer keeps room.
 */
export function infillTokens(model: LlamaModel, prefix: string, suffix: string, contextSize: number): Token[] {
  const { prefix: pre, suffix: suf, middle: mid } = model.tokens.infill;
  if (pre === null || suf === null || mid === null) {
    const missing = [pre === null && "prefix", suf === null && "suffix", mid === null && "middle"].filter(Boolean).join(", ");
    throw invalid(`this model does not support insert (fill-in-the-middle \`suffix\`): its vocabulary has no fill-in-the-middle tokens (missing: ${missing})`, "suffix");
  }
  const budget = Math.min(SERVER_BATCH, Math.floor(contextSize / 2));
  const prefixTokens = model.tokenize(prefix, false);
  const suffixTokens = model.tokenize(suffix, false);
  const prefixTake = Math.min(prefixTokens.length, 3 * Math.floor(budget / 4));
  const suffixTake = Math.min(suffixTokens.length, Math.max(0, Math.floor(budget / 4) - 2));
  const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : [];
  return [
    ...bos,
    pre, ...prefixTokens.slice(prefixTokens.length - prefixTake),
    suf, ...suffixTokens.slice(0, suffixTake),
    mid,
  ];
}
