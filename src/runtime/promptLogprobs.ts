/**
 * Log-probabilities of a prompt's own tokens, each after the ones before it: OpenAI's `echo` with
 * `logprobs` on /v1/completions, which harnesses such as lm-evaluation-harness use to score
 * multiple-choice answers by likelihood. One evaluation of the prompt, asking llama.cpp at every
 * position for the logit of the token that follows, the top alternatives and the softmax's sum.
 */
import type { LlamaModel, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";
import type { HeldSequence } from "./lease.ts";
import { tokenBytes } from "./logprobs.ts";
import type { PromptLogprob } from "./types.ts";

/** Tokens of context kept for detokenizing, as the sampled-token reader does. */
const CONTEXT = 4;

/**
 * Evaluates all of `tokens` but the last (whose logits belong to the answer's first token) and
 * returns one entry per token; the first has no logprob, as OpenAI answers.
 */
export async function scorePrompt(held: HeldSequence, tokens: readonly Token[], topN: number): Promise<PromptLogprob[]> {
  const { model } = held.loaded;
  // The log-softmax needs the maximum logit. With no sampling options the sampler is greedy, so
  // the token it selects is the argmax: `includeSelected` brings it at a third of the cost of
  // `includeTop` (a partial sort of the vocabulary at every position), needed only for more than
  // one alternative.
  const filter = (next: Token) => (topN > 1 ? { tokens: [next], includeTop: topN } : { tokens: [next], includeSelected: true });
  const input = tokens.slice(0, -1).map((t, i) => [t, { generateNext: { logits: { filter: filter(tokens[i + 1]) }, totalLogitWeight: true } }] as const);
  held.signal.throwIfAborted();
  const out = input.length ? await held.sequence.controlledEvaluate(input as unknown as Parameters<typeof held.sequence.controlledEvaluate>[0]) : [];
  const text = (t: Token, i: number, chosen: boolean) => {
    const s = tokenText(model, tokens, i, t);
    return s === "" && !chosen ? model.detokenize([t], true) : s;
  };
  const entry = (t: Token, i: number, logprob: number | null, chosen: boolean) => {
    const s = text(t, i, chosen);
    return { token: s, logprob, bytes: tokenBytes(model, t, s) };
  };
  const result: PromptLogprob[] = [{ ...entry(tokens[0], 0, null, true), top: [] }];
  for (let i = 1; i < tokens.length; i++) {
    const next = out[i - 1]?.next;
    const logits = next?.logits, total = next?.totalLogitWeight;
    if (!logits || total === undefined) throw new Error(`llama.cpp returned no logits for prompt position ${i - 1}`);
    // totalLogitWeight = Σ exp(logit − max); the filter puts the maximum among the logits returned.
    let max = -Infinity;
    for (const v of logits.values()) if (v > max) max = v;
    const logp = (v: number) => Math.max(v - max - Math.log(total), -9999);
    const top = topN > 0
      ? [...logits].sort((a, b) => b[1] - a[1]).slice(0, topN).map(([t, v]) => ({ ...entry(t, i, logp(v), false), logprob: logp(v) }))
      : [];
    result.push({ ...entry(tokens[i], i, logp(logits.get(tokens[i]) ?? -Infinity), true), top });
  }
  return result;
}

/**
 * Token `t` read after `tokens[0..i)`: alone, a SentencePiece word-start token ("▁the") would
 * lose its leading space mid-text, and at the start keep one after BOS that the text has not.
 */
function tokenText(model: LlamaModel, tokens: readonly Token[], i: number, t: Token = tokens[i]): string {
  return model.detokenize([t], false, tokens.slice(Math.max(0, i - CONTEXT), i) as Token[]);
}

/** A prompt given as token ids, as text: what its tokens spell, token by token, as they are scored. */
export function promptText(model: LlamaModel, tokens: readonly Token[]): string {
  let text = "";
  for (let i = 0; i < tokens.length; i++) text += tokenText(model, tokens, i);
  return text;
}

/** Token ids as a client sent them (OpenAI's token-array prompts), checked against the vocabulary. */
export function checkedTokens(model: LlamaModel, ids: readonly number[], param = "prompt"): Token[] {
  const size = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? Number.MAX_SAFE_INTEGER;
  const bad = ids.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= size);
  if (bad >= 0) throw invalid(`${param} token ${ids[bad]} (position ${bad}) is not in this model's vocabulary of ${size} tokens`, param);
  return ids as Token[];
}
