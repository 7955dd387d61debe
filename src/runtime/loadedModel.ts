import { existsSync } from "node:fs";
import { stat } from "node:fs/promises";
import type { ChatWrapper, Llama, LlamaContext, LlamaContextSequence, LlamaEmbeddingContext, LlamaModel, LlamaRankingContext } from "node-llama-cpp";
import { FreeholdError } from "../errors.ts";
import type { LocalModelRef } from "./types.ts";
import { chatWrapperFor } from "./chatWrapper.ts";
import { type AdapterSet, Batcher, type BatchStats, NO_ADAPTERS } from "./batching.ts";
import { SequenceClearer } from "./clearing.ts";
import { predictMemory } from "./memory.ts";
import { notReranker } from "./rerank.ts";
import { PASS_THROUGH_TEMPLATE } from "./rerankInput.ts";
import { PromptCache } from "./promptCache.ts";
import { BetweenDecodes } from "./betweenDecodes.ts";
import { PrefixReuse } from "./prefixReuse.ts";
import { Slots } from "./slots.ts";
import { internalsOf } from "./sequenceInternals.ts";

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

/** Adapter sets remembered per model (each a few references; the batcher holds those in use). */
const MAX_ADAPTER_SETS = 32;
/** An adapter set's key: requests with the same one can share a decode. */
const adapterKey = (lora: LoraAdapter[]) => (lora.length ? JSON.stringify(lora.map((a) => [a.path, a.scale ?? 1]).sort()) : NO_ADAPTERS.key);

interface ContextSlots {
  context: LlamaContext;
  slots: Slots<LlamaContextSequence>;
  cache: PromptCache;
  batcher: Batcher;
}

/**
 * A model in memory: its weights, the chat wrapper its template resolves to, one context
 * (sequences handed out through `Slots`) for every request whatever LoRA adapters it applies, and
 * an embedding context (or, for rerankers, a ranking context) made on first use. The pool decides when it lives; this class only owns the native objects.
 */
type SideKind = "embedding" | "ranking";

export class LoadedModel {
  private main!: ContextSlots;
  /** LoRA adapter sets loaded for this model's requests, by adapterKey. */
  private readonly adapterSets = new Map<string, Promise<AdapterSet>>();
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

  /** `fileKey` names this version of the file (path + mtime) for caches. */
  static async load(llama: Llama, ref: LocalModelRef, fileKey: string, settings: ModelSettings): Promise<LoadedModel> {
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
    try {
      loaded.main = await loaded.createContext();
    } catch (e) {
      await model.dispose();
      throw e;
    }
    return loaded;
  }

  /**
   * Waits (FIFO, bounded) for a free sequence, decoded with the LoRA adapters `lora` (none: the
   * base weights). With a `cacheScope`, the sequence may hold that scope's earlier chat that
   * shares the most of `prompt` (see PromptCache), computed with the same adapters: a cache made
   * with other weights is never reused.
   */
  async lease(lora: LoraAdapter[], signal?: AbortSignal, cacheScope?: string, prompt?: readonly number[]): Promise<SequenceLease> {
    const set = await this.adapterSet(lora);
    const { cache, batcher } = this.main;
    const scope = cacheScope === undefined || !set.key ? cacheScope : `${cacheScope}\u0000${set.key}`;
    // Sequences of one adapter set kept consecutive: llama.cpp decodes only consecutive ids together.
    const sequence = await cache.lease(signal, scope, prompt, set.key);
    const id = internalsOf(sequence)?._sequenceId;
    if (id === undefined && set.key) {
      await cache.release(sequence, undefined);
      throw new FreeholdError("internal", "LoRA adapters need node-llama-cpp's sequence ids, which this version does not expose");
    }
    if (id !== undefined) batcher.assign(id, set);
    let released = false;
    return {
      sequence,
      release: async (keep = false) => {
        if (released) return;
        released = true;
        await cache.release(sequence, keep ? scope : undefined);
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

  /** Whether each of the context's sequences serves a request now (llama.cpp server's /slots). */
  sequencesInUse(): boolean[] {
    return this.main.slots.held();
  }

  /** Batches dispatched by the context so far (see batching.ts). */
  batchStats(): BatchStats | undefined {
    return this.main.batcher.stats;
  }

  get busySequences(): number { return this.main.slots.busy + [...this.turns.values()].reduce((n, t) => n + t.busy, 0); }
  get queued(): number { return this.main.slots.queued + [...this.turns.values()].reduce((n, t) => n + t.queued, 0); }

  /** Memory of the live weights and every context made so far (as node-llama-cpp accounts it). */
  get memoryBytes(): number {
    return this.model.size + this.sideBytes + this.main.context.memoryUsage.ram + this.main.context.memoryUsage.vram;
  }

  /** Memory beyond the context the pool admitted: the embedding and ranking contexts. */
  get extraBytes(): number {
    return this.sideBytes;
  }

  /** Fails queued requests; running ones end through their abort signals (the pool's job). */
  rejectWaiting(error: unknown): void {
    this.main.slots.rejectWaiting(error);
    for (const t of this.turns.values()) t.rejectWaiting(error);
  }

  async dispose(): Promise<void> {
    await this.main.context.dispose().catch(() => undefined);
    await Promise.allSettled([...this.sides.values()].map(async (c) => (await c).dispose()));
    await this.model.dispose();
  }

  /**
   * The adapters' native objects, loaded once per model (node-llama-cpp keeps them until the
   * model goes). The batcher sets them on the context for the batches of the requests that use
   * them (batching.ts).
   */
  private adapterSet(lora: LoraAdapter[]): Promise<AdapterSet> {
    const key = adapterKey(lora);
    if (!key) return Promise.resolve(NO_ADAPTERS);
    let set = this.adapterSets.get(key);
    if (!set) {
      set = (async () => {
        const loras: unknown[] = [];
        for (const a of lora) {
          if (!existsSync(a.path)) throw new FreeholdError("invalid_request", `LoRA adapter not found: ${a.path}`, { param: "lora" });
          loras.push(await (this.model as unknown as { _getOrLoadLora(path: string): Promise<unknown> })._getOrLoadLora(a.path).catch((e: unknown) => {
            throw new FreeholdError("invalid_request", `cannot load the LoRA adapter ${a.path} for ${this.name}: ${(e as Error).message}`, { cause: e, param: "lora" });
          }));
        }
        return { key, loras, scales: lora.map((a) => a.scale ?? 1) };
      })();
      this.adapterSets.set(key, set);
      set.catch(() => this.adapterSets.delete(key));
      // Requests choose their own scales (llama-server's per-request `lora`): keep the most recent sets only.
      if (this.adapterSets.size > MAX_ADAPTER_SETS) this.adapterSets.delete(this.adapterSets.keys().next().value!);
    }
    return set;
  }

  private async createContext(): Promise<ContextSlots> {
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
    }).catch((e: unknown) => {
      throw new FreeholdError("unavailable", `cannot create a context for ${this.name}: ${(e as Error).message}`, { cause: e });
    });
    const all = Array.from({ length: sequences }, () => context.getSequence());
    const clearer = await SequenceClearer.create(context, all[0]);
    batcher.attach(context, clearer);
    const slots = new Slots(all, queueLimit, this.name);
    const reuse = PrefixReuse.create(context, BetweenDecodes.attach(context, clearer.inPlace), all[0]);
    return { context, slots, cache: new PromptCache(slots, (s) => clearer.clear(s), reuse), batcher };
  }
}
