import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaModel, LlamaRankingContext } from "node-llama-cpp";
import { FreeholdError } from "../errors.ts";
import type { LocalModelRef } from "./types.ts";
import { chatWrapperFor } from "./chatWrapper.ts";
import { Batcher, type BatchStats } from "./batching.ts";
import { SequenceClearer } from "./clearing.ts";
import { predictMemory } from "./memory.ts";
import { notReranker } from "./rerank.ts";
import { PASS_THROUGH_TEMPLATE } from "./rerankInput.ts";
import { PromptCache } from "./promptCache.ts";
import { BetweenDecodes } from "./betweenDecodes.ts";
import { PrefixReuse } from "./prefixReuse.ts";
import { Slots } from "./slots.ts";

export interface LoraAdapter {
  path: string;
  scale?: number;
}

export interface ModelSettings {
  contextSize: number;
  sequences: number;
  queueLimit: number;
  threads: number;
  batchSize: number;
  promptChunk: number;
  gpuLayers: number | "auto";
  useMmap: boolean;
}

/** One sequence of a context, held by one request until `release()`. */
export interface SequenceLease {
  sequence: LlamaContextSequence;
  /** `keep`: the request succeeded and its tokens may serve its scope's next chat (PromptCache). */
  release(keep?: boolean): Promise<void>;
  /** Cuts the sequence to its first n tokens (PromptCache.trim). */
  trim(n: number): Promise<void>;
}

const BASE = "";
/** One context per adapter set (llama.cpp applies adapters per context). */
const contextKey = (lora: LoraAdapter[]) => (lora.length ? JSON.stringify(lora.map((a) => [a.path, a.scale ?? 1]).sort()) : BASE);

interface ContextSlots {
  context: LlamaContext;
  slots: Slots<LlamaContextSequence>;
  cache: PromptCache;
  batcher: Batcher;
}

/**
 * A model in memory: its weights, the chat wrapper its template resolves to, one context per
 * distinct LoRA adapter set (sequences handed out through `Slots`), and an embedding context
 * (or, for rerankers, a ranking context) made on first use. The pool decides when it lives; this class only owns the native objects.
 */
type SideKind = "embedding" | "ranking";

export class LoadedModel {
  private readonly contexts = new Map<string, Promise<ContextSlots>>();
  /** The embedding and ranking contexts, and the memory they predicted. */
  private readonly sides = new Map<SideKind, Promise<{ dispose(): Promise<void> }>>();
  private sideBytes = 0;
  /** Each holds one sequence: requests take turns, behind a queue as bounded as the generation one's. */
  private readonly turns = new Map<SideKind, Slots<true>>();

  private constructor(
    readonly llama: Llama,
    readonly model: LlamaModel,
    readonly chatWrapper: ChatWrapper,
    readonly settings: ModelSettings,
    private readonly name: string,
    private readonly path: string,
  ) {}

  /**
   * `fileKey` names this version of the file (path + mtime) for caches. The first context is made
   * for `lora`, the adapter set of the request that loads the model (none: the base weights), and
   * is the one the pool admitted; a model served only with its adapter never holds a second
   * context for the base weights.
   */
  static async load(llama: Llama, ref: LocalModelRef, fileKey: string, settings: ModelSettings, lora: LoraAdapter[] = []): Promise<LoadedModel> {
    const { name, path } = ref;
    const model = await llama.loadModel({ modelPath: path, gpuLayers: settings.gpuLayers, useMmap: settings.useMmap }).catch(async (e: unknown) => {
      const size = (await stat(path).catch(() => undefined))?.size;
      if (ref.sizeBytes != null && size !== undefined && size !== ref.sizeBytes) {
        throw new FreeholdError("unavailable", `cannot load model ${name}: its file ${path} is ${size} bytes but was ${ref.sizeBytes} when it was registered, ` +
          "so it was truncated or replaced since; pull or import it again", { cause: e });
      }
      throw new FreeholdError("unavailable", `failed to load model ${name} from ${path}: ${(e as Error).message}`, { cause: e });
    });
    const loaded = new LoadedModel(llama, model, chatWrapperFor(model, fileKey), settings, name, path);
    loaded.admittedKey = contextKey(lora);
    try {
      await loaded.contextFor(lora); // this context exists for the model's whole life
    } catch (e) {
      await model.dispose();
      throw e;
    }
    return loaded;
  }

  /**
   * Waits (FIFO, bounded) for a free sequence of the context serving this adapter set. With a
   * `cacheScope`, the sequence may hold that scope's earlier chat that shares the most of `prompt`
   * (see PromptCache).
   */
  async lease(lora: LoraAdapter[], signal?: AbortSignal, cacheScope?: string, prompt?: readonly number[]): Promise<SequenceLease> {
    const { cache } = await this.contextFor(lora);
    const sequence = await cache.lease(signal, cacheScope, prompt);
    let released = false;
    return {
      sequence,
      release: async (keep = false) => {
        if (released) return;
        released = true;
        await cache.release(sequence, keep ? cacheScope : undefined);
      },
      trim: (n) => cache.trim(sequence, n),
    };
  }

  /** A context for embeddings: see `side`. */
  embeddingContext(): Promise<LlamaEmbeddingContext> {
    return this.side("embedding", (o) => this.model.createEmbeddingContext(o));
  }

  /**
   * For rerankers (a classifier head and rank pooling: `cls.weight` or `cls.output.weight`): a
   * context that scores one query–document pair at a time (see `side`).
   */
  rankingContext(): Promise<LlamaRankingContext> {
    if (!this.model.fileInsights.supportsRanking) throw notReranker(this.name);
    // Freehold builds each pair's tokens as llama.cpp's server does (rerankInput.ts); the context adds nothing around them.
    return this.side("ranking", (o) => this.model.createRankingContext({ ...o, template: PASS_THROUGH_TEMPLATE }));
  }

  /** A second context of the same weights, one sequence, made on first use; its memory counts as extra. */
  private side<T extends { dispose(): Promise<void> }>(kind: SideKind, create: (o: { contextSize: number; batchSize: number; threads: number }) => Promise<T>): Promise<T> {
    let made = this.sides.get(kind) as Promise<T> | undefined;
    if (made) return made;
    const { contextSize, threads, useMmap } = this.settings;
    // Pooled outputs need the whole input in one batch.
    const shape = { contextSize, sequences: 1, batchSize: contextSize, embedding: true, useMmap };
    made = create({ contextSize, batchSize: contextSize, threads }).then(async (ctx) => {
      this.sideBytes += (await predictMemory(this.path, shape).catch(() => ({ kvCacheBytes: 0 }))).kvCacheBytes;
      return ctx;
    }, (e: unknown) => {
      this.sides.delete(kind);
      throw new FreeholdError("unavailable", `cannot create ${kind === "embedding" ? "an embedding" : "a ranking"} context for ${this.name}: ${(e as Error).message}`, { cause: e });
    });
    this.sides.set(kind, made);
    return made;
  }

  /**
   * Runs `work` when the embedding or ranking context is free: one request at a time, others
   * waiting in a FIFO queue of `queueLimit` (beyond it: 429 with a retry hint, as for generation).
   */
  async takeTurn<R>(which: SideKind, signal: AbortSignal | undefined, work: () => Promise<R>): Promise<R> {
    let turn = this.turns.get(which);
    if (!turn) this.turns.set(which, (turn = new Slots([true], this.settings.queueLimit, `${this.name} (${which})`)));
    await turn.acquire(signal);
    try {
      return await work();
    } finally {
      turn.release(true);
    }
  }

  /** Batches dispatched by the first context so far (see batching.ts). */
  batchStats(): BatchStats | undefined {
    return this.settled.get(this.admittedKey)?.batcher.stats;
  }

  get busySequences(): number { return this.sum((c) => c.slots.busy) + [...this.turns.values()].reduce((n, t) => n + t.busy, 0); }
  get queued(): number { return this.sum((c) => c.slots.queued) + [...this.turns.values()].reduce((n, t) => n + t.queued, 0); }

  /** Memory of the live weights and every context made so far (as node-llama-cpp accounts it). */
  get memoryBytes(): number {
    let bytes = this.model.size + this.sideBytes;
    for (const c of this.settled.values()) bytes += c.context.memoryUsage.ram + c.context.memoryUsage.vram;
    return bytes;
  }

  /** Memory beyond the context the pool admitted: other adapter sets' (or the base weights'), embedding and ranking contexts. */
  get extraBytes(): number {
    let bytes = this.sideBytes;
    for (const [key, c] of this.settled) if (key !== this.admittedKey) bytes += c.context.memoryUsage.ram + c.context.memoryUsage.vram;
    return bytes;
  }

  /** Fails queued requests; running ones end through their abort signals (the pool's job). */
  rejectWaiting(error: unknown): void {
    for (const c of this.settled.values()) c.slots.rejectWaiting(error);
    for (const t of this.turns.values()) t.rejectWaiting(error);
  }

  async dispose(): Promise<void> {
    await Promise.allSettled([...this.contexts.values()].map(async (c) => (await c).context.dispose()));
    await Promise.allSettled([...this.sides.values()].map(async (c) => (await c).dispose()));
    await this.model.dispose();
  }

  private readonly settled = new Map<string, ContextSlots>();

  private sum(pick: (c: ContextSlots) => number): number {
    let n = 0;
    for (const c of this.settled.values()) n += pick(c);
    return n;
  }

  /** The adapter set of the first context, the one the pool admitted. */
  private admittedKey = BASE;

  private contextFor(lora: LoraAdapter[]): Promise<ContextSlots> {
    const key = contextKey(lora);
    let hit = this.contexts.get(key);
    if (!hit) {
      hit = this.createContext(lora);
      this.contexts.set(key, hit);
      hit.then((c) => this.settled.set(key, c), () => this.contexts.delete(key));
    }
    return hit;
  }

  private async createContext(lora: LoraAdapter[]): Promise<ContextSlots> {
    for (const a of lora) {
      if (!existsSync(a.path)) throw new FreeholdError("invalid_request", `LoRA adapter not found: ${a.path}`, { param: "lora" });
    }
    const { contextSize, sequences, threads, batchSize, promptChunk, queueLimit } = this.settings;
    const batcher = new Batcher(promptChunk);
    const context = await this.model.createContext({
      contextSize,
      sequences,
      threads,
      batchSize,
      batching: { itemPrioritizationStrategy: batcher.strategy },
      // Fail instead of silently shrinking: the pool's memory budget assumed this size.
      failedCreationRemedy: false,
      lora: lora.length ? { adapters: lora.map((a) => ({ filePath: a.path, scale: a.scale })) } : undefined,
    }).catch((e: unknown) => {
      const what = lora.length ? `LoRA adapters ${lora.map((a) => a.path).join(", ")}` : "a context";
      throw new FreeholdError(lora.length ? "invalid_request" : "unavailable", `cannot create ${what} for ${this.name}: ${(e as Error).message}`, { cause: e });
    });
    const all = Array.from({ length: sequences }, () => context.getSequence());
    const clearer = await SequenceClearer.create(context, all[0]);
    batcher.attach(context, clearer);
    const slots = new Slots(all, queueLimit, this.name);
    const reuse = PrefixReuse.create(context, BetweenDecodes.attach(context, clearer.inPlace), all[0]);
    return { context, slots, cache: new PromptCache(slots, (s) => clearer.clear(s), reuse), batcher };
  }
}
