/**
 * Log-probabilities of a few candidate next tokens after a chat prompt, with no sampling: how
 * multiple-choice evals score a local model by its own distribution over the answer letters
 * instead of by whatever letter it happens to generate.
 */
import type { LlamaModel, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";
import type { HeldSequence } from "./lease.ts";
import type { LoadedModel } from "./loadedModel.ts";
import { overflow } from "./limits.ts";
import { toChatHistory } from "./history.ts";
import type { ChatMessage } from "./types.ts";

export interface NextTokenLogprobs {
  /** Per candidate text: log P(next token spells it), summed over the tokens that do (-Infinity: none can). */
  logprobs: number[];
  promptTokens: number;
}

/** Longest token text indexed: answer letters and short labels, not whole words. */
const MAX_TEXT = 8;
const indexes = new WeakMap<LlamaModel, Promise<Map<string, Token[]>>>();

/**
 * Token text (leading spaces dropped) → every token that spells it, built once per loaded model.
 * One text has several tokens: "A", "▁A" at a word start, and SentencePiece's byte-fallback
 * "<0x41>", which a model can prefer; P(next token spells "A") sums them all.
 */
function spellings(model: LlamaModel): Promise<Map<string, Token[]>> {
  let index = indexes.get(model);
  if (!index) indexes.set(model, (index = buildIndex(model)));
  return index;
}

async function buildIndex(model: LlamaModel): Promise<Map<string, Token[]>> {
  const size = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
  const index = new Map<string, Token[]>();
  for (let t = 0; t < size; t++) {
    // ~2 µs a token: yield now and then, so a 150k vocabulary does not stall the server.
    if (t % 8192 === 8191) await new Promise((ok) => setImmediate(ok));
    const text = model.detokenize([t as Token], false).replace(/^ +/, "");
    if (!text || text.length > MAX_TEXT) continue;
    const list = index.get(text);
    if (list) list.push(t as Token);
    else index.set(text, [t as Token]);
  }
  return index;
}

export async function prepareNextToken(loaded: LoadedModel, messages: ChatMessage[], candidates: string[]) {
  if (!candidates.length) throw invalid("give at least one candidate", "candidates");
  const { model } = loaded;
  const { contextText } = loaded.chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) });
  const tokens = contextText.tokenize(model.tokenizer);
  if (tokens.length >= loaded.settings.contextSize) throw overflow(tokens.length, loaded.settings.contextSize, "the conversation", "messages");
  const index = await spellings(model);
  const ids = candidates.map((c) => index.get(c.replace(/^ +/, "")) ?? []);
  const missing = candidates.filter((_, i) => !ids[i].length);
  if (missing.length) throw invalid(`no single token of this model spells ${missing.map((m) => JSON.stringify(m)).join(", ")}`, "candidates");
  return { tokens, ids };
}

export type PreparedNextToken = Awaited<ReturnType<typeof prepareNextToken>>;

/** Evaluates the prompt once and reads the raw logits of the candidates' tokens (log-softmax). */
export async function runNextToken(held: HeldSequence, prep: PreparedNextToken): Promise<NextTokenLogprobs> {
  const { tokens, ids } = prep;
  const wanted = [...new Set(ids.flat())];
  const input = tokens.map((t, i) => (i < tokens.length - 1 ? t : [t, {
    // Default sampling is greedy, which leaves the whole vocabulary's raw logits in place, and the
    // token it selects is the argmax: includeSelected brings the global maximum (includeMax only
    // reports it when already filtered; includeTop: 1 would sort the vocabulary for it).
    generateNext: { logits: { filter: { tokens: wanted, includeSelected: true } }, totalLogitWeight: true },
  }] as const));
  held.signal.throwIfAborted();
  const out = (await held.sequence.controlledEvaluate(input as Parameters<typeof held.sequence.controlledEvaluate>[0]))[tokens.length - 1];
  const logits = out?.next.logits, total = out?.next.totalLogitWeight;
  if (!logits || total === undefined) throw new Error("llama.cpp returned no logits for the last prompt token");
  // totalLogitWeight = Σ exp(logit − max), so log P(t) = logit(t) − max − log(total).
  const max = Math.max(...logits.values());
  const logp = (t: Token) => (logits.get(t) ?? -Infinity) - max - Math.log(total);
  const logprobs = ids.map((group) => {
    const ps = group.map(logp);
    const m = Math.max(...ps);
    return m === -Infinity ? m : m + Math.log(ps.reduce((s, p) => s + Math.exp(p - m), 0));
  });
  return { logprobs, promptTokens: tokens.length };
}
