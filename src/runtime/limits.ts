import { FreeholdError, invalid } from "../errors.ts";

/** The error for a prompt that leaves no room to generate, with the counts in the message. */
/**
 * The input does not fit the context. `param` names the request field (OpenAI's `param`);
 * generation needs one free position for the answer, embeddings do not.
 */
export function overflow(promptTokens: number, contextSize: number, what: string, param: string, generating = true): FreeholdError {
  const room = generating ? " (at least 1 must stay free for the answer)" : "";
  return new FreeholdError("context_length_exceeded",
    `${what} is ${promptTokens} tokens long but the model's context holds ${contextSize}${room}`, { param, overflow: { promptTokens, contextSize } });
}

/**
 * Tokens the answer may take: the request's maxTokens, capped by the room left in the context,
 * so generation ends with "length" at the context's end instead of shifting the prompt out.
 */
export function remainingTokens(maxTokens: number | undefined, promptTokens: number, contextSize: number): number {
  if (maxTokens !== undefined && (!Number.isInteger(maxTokens) || maxTokens < 1)) throw invalid("maxTokens must be a positive integer", "maxTokens");
  return Math.min(maxTokens ?? Infinity, contextSize - promptTokens);
}
