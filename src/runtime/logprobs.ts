import type { LlamaModel, SequenceEvaluateMetadataOptions, Token } from "node-llama-cpp";
import type { TokenLogprob } from "./types.ts";

/**
 * Sampled tokens → TokenLogprob, for completions and chat alike. Probabilities are those of
 * node-llama-cpp's sampler (the whole vocabulary's softmax when greedy, else what the sampling
 * filters kept); the full list is asked for only when alternatives are wanted.
 */
export const logprobMetadata = (topN: number): SequenceEvaluateMetadataOptions =>
  (topN > 0 ? { confidence: true, probabilities: true } : { confidence: true });

/** What `evaluateWithMetadata` yields under `logprobMetadata` (its type cannot follow a runtime choice). */
export interface SampledToken { token: Token; confidence?: number; probabilities?: Map<Token, number> }

/** Tokens of context kept for detokenizing (node-llama-cpp itself uses the last 3). */
const CONTEXT = 4;
const encoder = new TextEncoder();

/**
 * Reads each sampled token's probabilities as it comes. Token texts are detokenized after the
 * tokens evaluated before them: alone, a SentencePiece word-start token ("▁the") loses its
 * leading space, and the token texts would no longer add up to the answer.
 */
export class LogprobReader {
  private context: Token[] = [];

  constructor(private readonly model: LlamaModel, private readonly topN: number) {}

  /** Tokens the sequence evaluated (prompt, sampled or replacement tokens), in order. */
  seen(tokens: readonly Token[]): void {
    for (const t of tokens.length > CONTEXT ? tokens.slice(-CONTEXT) : tokens) this.context.push(t);
    if (this.context.length > 2 * CONTEXT) this.context = this.context.slice(-CONTEXT);
  }

  /**
   * The chosen token and up to topN alternatives, most probable first; call `seen` afterwards.
   * The chosen token reads as it does in the answer's text (a control token as ""); an
   * alternative that would read "" shows its name ("</s>"), which says more.
   */
  read({ token, confidence, probabilities }: SampledToken): TokenLogprob {
    const context = this.context.slice(-CONTEXT);
    const entry = (t: Token, p: number, chosen: boolean) => {
      let text = this.model.detokenize([t], false, context);
      if (text === "" && !chosen) text = this.model.detokenize([t], true);
      return withTokenId({ token: text, logprob: Math.max(Math.log(p), -9999), bytes: tokenBytes(this.model, t, text) }, t);
    };
    const top: TokenLogprob["top"] = [];
    if (probabilities && this.topN > 0) {
      // node-llama-cpp lists probabilities in descending order.
      for (const [t, p] of probabilities) {
        if (top.length >= this.topN) break;
        top.push(entry(t, p, false));
      }
    }
    return withTokenId({ ...entry(token, confidence ?? probabilities?.get(token) ?? 0, true), top }, token);
  }
}

const TOKEN_ID = Symbol("tokenId");

/**
 * The token id behind a log-probability entry (the chosen token or an alternative), for wires
 * that show ids (llama.cpp's /completion). Kept as a non-enumerable symbol property: not part of
 * the entry's JSON, so OpenAI's shapes, which have no ids, stay as they are.
 */
export function tokenIdOf(entry: object): number | undefined {
  return (entry as { [TOKEN_ID]?: number })[TOKEN_ID];
}

function withTokenId<T extends object>(entry: T, token: Token): T {
  Object.defineProperty(entry, TOKEN_ID, { value: token, enumerable: false });
  return entry;
}

/**
 * A token's own UTF-8 bytes. Text from node-llama-cpp is a JS string, so a token holding part
 * of a character reads as U+FFFD; its bytes come from the vocabulary instead (SentencePiece's
 * "<0xE2>" byte tokens, GPT-2-style byte-level BPE pieces), so that clients can join the bytes
 * of consecutive tokens into the characters they spell, as OpenAI's `bytes` field intends.
 */
export function tokenBytes(model: LlamaModel, token: Token, text: string): number[] {
  if (!text.includes("\uFFFD")) return [...encoder.encode(text)];
  const piece = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.[token];
  const vocabulary: string = model.vocabularyType;
  if (typeof piece === "string") {
    const hex = /^<0x([0-9A-Fa-f]{2})>$/.exec(piece);
    if (vocabulary === "spm" && hex) return [parseInt(hex[1], 16)];
    if (vocabulary === "bpe") {
      const bytes = [...piece].map((c) => byteOfChar().get(c));
      if (bytes.every((b) => b !== undefined)) return bytes as number[];
    }
  }
  return [...encoder.encode(text)];
}

let byteLevel: Map<string, number> | undefined;

/** GPT-2's byte-level alphabet reversed: printable bytes stand for themselves, the rest for U+0100 onwards. */
export function byteOfChar(): Map<string, number> {
  if (byteLevel) return byteLevel;
  byteLevel = new Map();
  let shifted = 0;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    byteLevel.set(String.fromCharCode(printable ? b : 256 + shifted++), b);
  }
  return byteLevel;
}
