import type { LlamaModel, LlamaText, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";
import type { Runtime } from "./index.ts";
import { withModel } from "./lease.ts";
import { loadedLlamaCpp } from "./llamaCpp.ts";
import type { LoadedModel } from "./loadedModel.ts";
import { toChatHistory } from "./history.ts";
import { checkedTokens } from "./promptLogprobs.ts";
import { promptTokens } from "./complete.ts";
import { byteOfChar } from "./logprobs.ts";
import type { ChatMessage, LocalModelRef } from "./types.ts";

/**
 * A model's tokenizer as llama.cpp's own server exposes it (/tokenize, /detokenize,
 * /apply-template, a completion's `prompt`): text and token ids mixed, each token's piece as its
 * bytes, and the chat template applied as text. Nothing here evaluates anything.
 */

/** Text, or token ids and text mixed, as llama-server's tokenize_mixed takes a prompt. */
export type MixedText = string | (string | number)[];

export interface TokenizeOptions {
  /** The tokens the vocabulary adds around a text (BOS, and EOS for vocabularies that add one). */
  addSpecial: boolean;
  /** Special-token text ("<|im_start|>") read as that token, not as characters. */
  parseSpecial: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** BPE vocabularies written with SentencePiece's "▁" for spaces instead of GPT-2's byte alphabet (llama-vocab.cpp, escape_whitespaces). */
const ESCAPED_BPE = new Set(["gemma4", "granite-embed-multi-311m", "sarvam-moe"]);

export class Vocabulary {
  private readonly model: LlamaModel;

  constructor(private readonly loaded: LoadedModel) {
    this.model = loaded.model;
  }

  /** Tokens in the vocabulary: ids from 0 to size - 1. */
  get size(): number {
    return this.model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 0;
  }

  /** Tokens per sequence the model runs with. */
  get contextSize(): number {
    return this.loaded.settings.contextSize;
  }

  /**
   * llama.cpp's tokenize_mixed: a text is tokenized (the vocabulary's special tokens added only
   * around the first piece when it is text), ids are taken as they are, once checked against
   * the vocabulary (`param` names the field for the error).
   */
  tokenize(content: MixedText, opts: TokenizeOptions, param = "content"): number[] {
    if (typeof content === "string") return this.tokenizeText(content, opts);
    const out: number[] = [];
    content.forEach((part, i) => {
      if (typeof part === "string") out.push(...this.tokenizeText(part, { ...opts, addSpecial: opts.addSpecial && i === 0 }));
      else out.push(...this.check([part], `${param}.${i}`));
    });
    return out;
  }

  /**
   * common_tokenize: the model's tokenizer with llama.cpp's own add_special (node-llama-cpp's
   * tokenize never adds them): BOS and EOS where the vocabulary adds them, WordPiece's CLS and
   * SEP; RWKV and PLaMo-2 vocabularies add none.
   */
  private tokenizeText(text: string, { addSpecial, parseSpecial }: TokenizeOptions): number[] {
    const tokens: number[] = this.model.tokenize(text, parseSpecial);
    if (!addSpecial) return tokens;
    const { bos, eos, sep, shouldPrependBosToken, shouldAppendEosToken } = this.model.tokens;
    switch (this.model.vocabularyType) {
      case "wpm":
        return [...(bos !== null ? [bos] : []), ...tokens, ...(sep !== null ? [sep] : [])];
      case "spm": case "bpe": case "ugm":
        return [...(shouldPrependBosToken && bos !== null ? [bos] : []), ...tokens, ...(shouldAppendEosToken && eos !== null ? [eos] : [])];
      default:
        return tokens;
    }
  }

  /** A text prompt's tokens as the completion path evaluates them (runtime/complete.ts): BOS added unless the text starts with it. */
  completionTokens(text: string): number[] {
    return promptTokens(this.model, text);
  }

  /** Ids as a client sent them, each checked against the vocabulary (`param` names the field, or the element when there is one). */
  check(ids: readonly number[], param: string): number[] {
    const size = this.size;
    const bad = ids.findIndex((t) => !Number.isInteger(t) || t < 0 || t >= size);
    if (bad >= 0) throw invalid(`${ids.length === 1 ? param : `${param}.${bad}`}: ${ids[bad]} is not a token of this model (its vocabulary has ${size}, 0 to ${size - 1})`, param);
    return checkedTokens(this.model, ids, param);
  }

  /** A token's piece with special tokens as their text: llama.cpp's common_token_to_piece(special = true), byte for byte. */
  piece(token: number): Uint8Array {
    return tokenPiece(this.model, token as Token);
  }

  /** llama-server's /detokenize: the pieces joined, read as UTF-8 (bytes that form no character read as U+FFFD). */
  detokenize(tokens: readonly number[]): string {
    const pieces = tokens.map((t) => this.piece(t));
    const joined = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) { joined.set(p, at); at += p.length; }
    return decoder.decode(joined);
  }

  /**
   * The text llama.cpp's detokenizer makes of a prompt, special tokens written out (llama_detokenize,
   * as llama-server reports a completion's `prompt`: "<s> Hello" for a SentencePiece "Hello").
   */
  promptText(tokens: readonly number[]): string {
    return this.model.detokenize(tokens as Token[], true);
  }

  /** The vocabulary's end-of-generation tokens (EOS, EOT, ...): what llama-server's ignore_eos bans. */
  endOfGeneration(): number[] {
    let found = eogTokens.get(this.model);
    if (!found) {
      found = [];
      for (const t of this.model.iterateAllTokens()) if (this.model.isEogToken(t)) found.push(t);
      eogTokens.set(this.model, found);
    }
    return found;
  }

  /**
   * A conversation through the model's chat template with the generation prompt, as text: what
   * the chat route evaluates (runtime/chat.ts renders the same history with the same wrapper),
   * special tokens written as their text. As llama-server's /apply-template, the BOS (and EOS)
   * text the tokenizer adds again is left out, so the text sent as a completion prompt makes the
   * same tokens.
   */
  chatPrompt(messages: ChatMessage[]): string {
    const { contextText } = this.loaded.chatWrapper.generateContextState({ chatHistory: toChatHistory(messages) });
    let text = this.render(contextText);
    const { bosString, eosString, shouldPrependBosToken, shouldAppendEosToken } = this.model.tokens;
    if (shouldPrependBosToken && bosString && text.startsWith(bosString)) text = text.slice(bosString.length);
    if (shouldAppendEosToken && eosString && text.endsWith(eosString)) text = text.slice(0, -eosString.length);
    return text;
  }

  /** LlamaText as plain text: node-llama-cpp's toString() writes builtin special tokens by name ("BOS"), not as the model spells them. */
  private render(text: LlamaText): string {
    const t = this.model.tokens;
    const builtin: Record<string, string | null> = { BOS: t.bosString, EOS: t.eosString, EOT: t.eotString, SEP: t.sepString, NL: t.nlString };
    const { SpecialToken } = loadedLlamaCpp();
    let out = "";
    for (const v of text.values) {
      if (typeof v === "string") out += v;
      else if (v instanceof SpecialToken) {
        const spelled = builtin[v.value];
        if (spelled === undefined) throw invalid(`the chat template uses a special token (${v.value}) this runtime cannot write as text`, "messages");
        out += spelled ?? "";
      } else out += v.value; // SpecialTokensText: the special tokens' own text
    }
    return out;
  }
}

const eogTokens = new WeakMap<LlamaModel, number[]>();

/** Runs `fn` with the model's vocabulary (loading the model if it is not in memory). */
export function withVocabulary<T>(runtime: Runtime, ref: LocalModelRef, fn: (v: Vocabulary) => T | Promise<T>): Promise<T> {
  return withModel(runtime.pool, ref, {}, async ({ loaded }) => fn(new Vocabulary(loaded)));
}

/**
 * llama.cpp's token_to_piece(special = true) (llama-vocab.cpp), from the vocabulary's own text:
 * node-llama-cpp returns text as JS strings, so a piece that is part of a character (a
 * SentencePiece byte token, a byte-level BPE piece) would come back as U+FFFD. Control, unknown
 * and user-defined tokens read as their text; normal SentencePiece, WordPiece and Unigram pieces
 * with "▁" as a space; GPT-2-style BPE pieces through the byte-level alphabet; byte tokens as
 * their byte. Other vocabularies (RWKV, PLaMo-2) as node-llama-cpp detokenizes the token.
 */
export function tokenPiece(model: LlamaModel, token: Token): Uint8Array {
  const text = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.[token];
  const type: string = model.vocabularyType;
  if (typeof text !== "string" || !(type === "spm" || type === "bpe" || type === "wpm" || type === "ugm")) {
    return encoder.encode(model.detokenize([token], true));
  }
  const a = model.getTokenAttributes(token);
  if (a.control || a.unknown || a.userDefined) return encoder.encode(text);
  const hex = /^<0x([0-9A-Fa-f]{2})>$/.exec(text);
  if (type === "bpe") {
    const tokenizer = model.fileInfo.metadata.tokenizer?.ggml;
    const escaped = tokenizer?.model === "gemma4" || ESCAPED_BPE.has(String(tokenizer?.pre ?? ""));
    if (a.normal) return escaped ? encoder.encode(text.replaceAll("\u2581", " ")) : byteLevel(text);
    if (a.byte) return hex ? Uint8Array.of(parseInt(hex[1], 16)) : byteLevel(text);
    return new Uint8Array();
  }
  if (a.normal) return encoder.encode(text.replaceAll("\u2581", " "));
  if (a.byte && hex) return Uint8Array.of(parseInt(hex[1], 16));
  return new Uint8Array();
}

/**
 * GPT-2's byte-level text back to bytes (llama_decode_text); a character outside its alphabet
 * becomes the marker llama.cpp writes for it, "[UNK_BYTE_0x<its UTF-8 in hex><the whole text>]".
 */
function byteLevel(text: string): Uint8Array {
  const map = byteOfChar();
  const out: number[] = [];
  for (const c of text) {
    const b = map.get(c);
    if (b !== undefined) out.push(b);
    else out.push(...encoder.encode(`[UNK_BYTE_0x${Buffer.from(c).toString("hex")}${text}]`));
  }
  return Uint8Array.from(out);
}

/** Whether bytes are valid UTF-8 (llama-server's is_valid_utf8). */
export function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}
