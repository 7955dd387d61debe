import type { ChatMessage, EmbedOptions, EmbedResult, GenerateOptions, GenerateResult, LocalModelRef, Prompt, RerankResult } from "./types.ts";
import { chatPromptTokens, continuationTokens, prepareChat, runChat } from "./chat.ts";
import { prepareCompletion, promptTokens, runCompletion } from "./complete.ts";
import { embed } from "./embed.ts";
import { notReranker, rerank } from "./rerank.ts";
import { prepareNextToken, runNextToken, type NextTokenLogprobs } from "./nextToken.ts";
import { withModel, withSequence } from "./lease.ts";
import { withDraft } from "./draft.ts";
import type { MemoryPrediction } from "./memory.ts";
import { ModelPool, type ModelStatus, type PoolOptions, type PoolStats } from "./pool.ts";

export type RuntimeOptions = PoolOptions;
export type { ModelStatus, PoolStats, MemoryPrediction, NextTokenLogprobs };
export { ModelPool };

export interface HoldOptions {
  keepAliveMs?: number;
  signal?: AbortSignal;
  /** Tokens per sequence needed: see GenerateOptions.contextSize. */
  contextSize?: number;
}

/**
 * The local inference runtime: a model pool plus the generation functions that run on it.
 * Callers (the gateway) use only this class.
 */
export class Runtime {
  readonly pool: ModelPool;

  constructor(options: RuntimeOptions = {}) {
    this.pool = new ModelPool(options);
  }

  /** Load/unload events: "load" {name, ms, predictedBytes}, "unload" {name, reason}. */
  get events() { return this.pool.events; }

  chat(ref: LocalModelRef, messages: ChatMessage[], opts: GenerateOptions = {}): Promise<GenerateResult> {
    return withSequence(this.pool, ref, opts, (loaded) => prepareChat(loaded, messages, opts),
      (held, prep) => withDraft(this.pool, ref, held, opts, prep, (h) => runChat(h, prep, opts)),
      // A pinned seed asks for a reproducible answer: evaluated from scratch, as the first time
      // (a cached prefix was computed in other batches, and llama.cpp's sums differ in the last bits).
      opts.seed === undefined ? opts.cacheScope : undefined, (prep) => prep.tokens);
  }

  complete(ref: LocalModelRef, prompt: Prompt, opts: GenerateOptions = {}): Promise<GenerateResult> {
    return withSequence(this.pool, ref, opts, (loaded) => prepareCompletion(loaded, prompt, opts),
      (held, prep) => withDraft(this.pool, ref, held, opts, prep, (h) => runCompletion(h, prep, opts)),
      // As for chats; a scored prompt (echo with logprobs) is evaluated whole, from an empty sequence.
      opts.seed === undefined && !opts.promptLogprobs ? opts.cacheScope : undefined, (prep) => prep.tokens);
  }

  /** Log-probabilities of candidate next tokens after a chat prompt (multiple-choice evals). */
  nextTokenLogprobs(ref: LocalModelRef, messages: ChatMessage[], candidates: string[], opts: HoldOptions = {}): Promise<NextTokenLogprobs> {
    return withSequence(this.pool, ref, opts, (loaded) => prepareNextToken(loaded, messages, candidates), runNextToken);
  }

  embed(ref: LocalModelRef, inputs: Prompt[], opts: HoldOptions & EmbedOptions = {}): Promise<EmbedResult> {
    return withModel(this.pool, ref, opts, (held) => embed(held, inputs, opts));
  }

  /** Relevance of each document to the query, from a reranker model. */
  async rerank(ref: LocalModelRef, query: string, documents: string[], opts: HoldOptions = {}): Promise<RerankResult> {
    // Refused before loading: a chat model may take seconds to load only to be turned away.
    if (!(await this.pool.isReranker(ref.path))) throw notReranker(ref.name);
    return withModel(this.pool, ref, opts, (held) => rerank(held, query, documents));
  }

  /** Tokens a conversation takes through the chat template, tools included; loads the model, evaluates nothing. */
  countChat(ref: LocalModelRef, messages: ChatMessage[], opts: HoldOptions & Pick<GenerateOptions, "tools" | "toolChoice"> = {}): Promise<number> {
    return withModel(this.pool, ref, opts, async ({ loaded }) => chatPromptTokens(loaded, messages, opts));
  }

  /** A conversation through the chat template as token ids, without BOS: the next turn after Ollama's `context`. */
  continuationTokens(ref: LocalModelRef, messages: ChatMessage[], opts: HoldOptions = {}): Promise<number[]> {
    return withModel(this.pool, ref, opts, async ({ loaded }) => continuationTokens(loaded, messages));
  }

  /** The tokens `complete` would evaluate for this text (BOS included when the model adds one). */
  tokenize(ref: LocalModelRef, text: string, opts: HoldOptions = {}): Promise<number[]> {
    return withModel(this.pool, ref, opts, async ({ loaded }) => promptTokens(loaded.model, text));
  }

  /** Tokens per request (per sequence) this model runs with; does not load the model. */
  async contextSize(ref: LocalModelRef): Promise<number> {
    return this.pool.peek(ref)?.settings.contextSize ?? (await this.pool.plan(ref.path)).settings.contextSize;
  }

  /** Predicted memory with this runtime's defaults unless overridden. */
  async predictMemory(path: string, shape: { contextSize?: number; sequences?: number } = {}): Promise<MemoryPrediction & { contextSize: number; sequences: number }> {
    const { settings, prediction } = await this.pool.plan(path, shape);
    return { ...prediction, contextSize: settings.contextSize, sequences: settings.sequences };
  }

  /** Whether each sequence of the model's context serves a request now; undefined while it is not loaded. */
  sequencesInUse(ref: LocalModelRef): boolean[] | undefined {
    return this.pool.peek(ref)?.sequencesInUse();
  }

  ps(): ModelStatus[] { return this.pool.ps(); }
  stats(): PoolStats { return this.pool.stats(); }
  unload(ref: LocalModelRef): Promise<boolean> { return this.pool.unload(ref); }
  close(): Promise<void> { return this.pool.close(); }
}
