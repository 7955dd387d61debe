import { EventEmitter } from "node:events";
import { stat } from "node:fs/promises";
import { FreeholdError } from "../errors.ts";
import type { LocalModelRef } from "./types.ts";
import { getLlama } from "./llama.ts";
import { LoadedModel, type LoraAdapter } from "./loadedModel.ts";
import { modelInsights, type MemoryPrediction } from "./memory.ts";
import { Entry, type ModelStatus } from "./entry.ts";
import { memoryBudget, planModel, type Plan, type PlanOverrides, type PoolOptions } from "./plan.ts";

export interface AcquireOptions {
  keepAliveMs?: number;
  lora?: LoraAdapter[];
  signal?: AbortSignal;
  /** Tokens per sequence the request needs (Ollama's num_ctx); see `instanceContext`. */
  contextSize?: number;
}

export interface PoolStats {
  budgetBytes: number;
  /** Predicted memory of every loaded or loading model. */
  reservedBytes: number;
  loadedModels: number;
  activeSequences: number;
  queueDepth: number;
}

export type { ModelStatus, PoolOptions };

/**
 * Keeps models in memory under a budget. Loads on first use (concurrent first requests share one
 * load), unloads after a keep-alive period, evicts least-recently-used idle models to make room.
 * Refusals: `model_too_large` when a model alone exceeds the budget; `unavailable` (with a retry
 * hint) when only busy models could be evicted, since waiting for them could take minutes.
 * Events: "load" {name, ms, predictedBytes}, "unload" {name, reason}.
 */
export class ModelPool {
  readonly events = new EventEmitter();
  readonly budgetBytes: number;
  private readonly entries = new Map<string, Entry>();
  /** Admissions decide one at a time, so two loads cannot both claim the same free memory. */
  private admission: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: PoolOptions = {}) {
    this.budgetBytes = memoryBudget(options);
  }

  /** The loaded model for `ref`, loading it if needed; the caller must call `entry.done()`. */
  async acquire(ref: LocalModelRef, opts: AcquireOptions = {}): Promise<{ entry: Entry; loaded: LoadedModel; loadMs: number }> {
    if (this.closed) throw new FreeholdError("unavailable", "the runtime is shutting down");
    const started = performance.now();
    const contextSize = opts.contextSize === undefined ? undefined : await this.instanceContext(ref, opts.contextSize);
    const key = entryKey(ref, contextSize);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = new Entry(ref, this.options.defaultKeepAliveMs ?? 5 * 60_000, (e, reason) => void this.drop(e, reason), contextSize);
      this.entries.set(key, entry);
      entry.start(this.load(entry));
    }
    entry.begin(opts.keepAliveMs);
    try {
      // A caller that gives up while the model loads leaves at once; the load goes on for others.
      const loaded = await (opts.signal ? untilAborted(entry.ready, opts.signal) : entry.ready);
      return { entry, loaded, loadMs: entry.loadedHere(started) };
    } catch (e) {
      entry.done();
      throw e;
    }
  }

  ps(): ModelStatus[] {
    return [...this.entries.values()].map((e) => e.status());
  }

  stats(): PoolStats {
    let activeSequences = 0, queueDepth = 0, reservedBytes = 0, loadedModels = 0;
    for (const e of this.entries.values()) {
      const s = e.status();
      activeSequences += s.busySequences;
      queueDepth += s.queueDepth;
      reservedBytes += e.reservedBytes;
      if (!s.loading) loadedModels++;
    }
    return { budgetBytes: this.budgetBytes, reservedBytes, loadedModels, activeSequences, queueDepth };
  }

  /**
   * Unloads every instance of the model's file (whichever of its names loaded it): now if idle,
   * else as soon as its last request ends.
   */
  async unload(ref: LocalModelRef): Promise<boolean> {
    const matches = [...this.entries.values()].filter((e) => e.ref.path === ref.path);
    await Promise.all(matches.map((e) => e.unloadWhenIdle()));
    return matches.length > 0;
  }

  /** Refuses new work, fails queued requests, aborts running ones and frees every model. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.entries.values()].map((e) => this.drop(e, "close")));
  }

  /** Whether the file is a reranker (a classifier head), read from its GGUF without loading it. */
  async isReranker(path: string): Promise<boolean> {
    return (await modelInsights(path, this.options)).supportsRanking;
  }

  /** The settings a model would load with here, and their predicted memory. */
  plan(path: string, overrides: PlanOverrides = {}): Promise<Plan> {
    return planModel(path, this.options, overrides);
  }

  /**
   * The context a request that needs `requested` tokens per sequence runs in: undefined (the
   * model's usual instance) when that has enough, else an instance of its own with the larger
   * context, at most the trained length (as Ollama caps num_ctx). The usual instance stays for
   * other requests; the larger one expires, or is evicted, like any model.
   */
  private async instanceContext(ref: LocalModelRef, requested: number): Promise<number | undefined> {
    const usual = this.peek(ref)?.settings.contextSize ?? (await this.plan(ref.path)).settings.contextSize;
    if (requested <= usual) return undefined;
    const train = (await modelInsights(ref.path, this.options)).trainContextSize;
    const size = train === undefined ? requested : Math.min(requested, train);
    return size > usual ? size : undefined;
  }

  private async load(entry: Entry): Promise<LoadedModel> {
    const { settings, prediction } = await this.plan(entry.ref.path, entry.contextSize === undefined ? {} : { contextSize: entry.contextSize });
    await this.admit(entry, prediction);
    const llama = await getLlama(this.options);
    const t = performance.now();
    const fileKey = `${entry.ref.path}\0${(await stat(entry.ref.path)).mtimeMs}`;
    const loaded = await LoadedModel.load(llama, entry.ref, fileKey, settings);
    this.events.emit("load", { name: entry.ref.name, ms: performance.now() - t, predictedBytes: prediction.totalBytes });
    return loaded;
  }

  /** The loaded model for a ref (its usual instance), if it is in memory now. */
  peek(ref: LocalModelRef): LoadedModel | undefined {
    return this.entries.get(entryKey(ref))?.loaded;
  }

  /** Reserves the predicted memory, evicting LRU idle models if needed; throws if it cannot. */
  private admit(entry: Entry, prediction: MemoryPrediction): Promise<void> {
    const decide = async () => {
      const need = prediction.totalBytes;
      const mb = (b: number) => `${Math.round(b / 1e6)} MB`;
      if (need > this.budgetBytes) {
        throw new FreeholdError("model_too_large", `${entry.ref.name} needs ~${mb(need)} (weights ${mb(prediction.weightsBytes)}, context ${mb(prediction.kvCacheBytes)}) but the memory budget is ${mb(this.budgetBytes)}`);
      }
      const others = [...this.entries.values()].filter((e) => e !== entry && e.reservedBytes > 0);
      let used = others.reduce((s, e) => s + e.reservedBytes, 0);
      const idle = others.filter((e) => e.idle).sort((a, b) => a.lastUsed - b.lastUsed);
      const evict: Entry[] = [];
      for (const e of idle) {
        if (used + need <= this.budgetBytes) break;
        evict.push(e);
        used -= e.reservedBytes;
      }
      if (used + need > this.budgetBytes) {
        throw new FreeholdError("unavailable", `no room for ${entry.ref.name} (~${mb(need)}): ${mb(used)} of ${mb(this.budgetBytes)} is held by models serving requests`, { retryAfterSeconds: 5 });
      }
      entry.admittedBytes = need;
      entry.predicted = prediction;
      await Promise.all(evict.map((e) => this.drop(e, "evicted")));
    };
    const turn = this.admission.then(decide, decide);
    this.admission = turn.catch(() => undefined);
    return turn;
  }

  /** Removes an entry at once (new requests load afresh) and frees its memory. */
  private async drop(entry: Entry, reason: string): Promise<void> {
    const key = entryKey(entry.ref, entry.contextSize);
    if (this.entries.get(key) === entry) this.entries.delete(key);
    if (await entry.dispose(reason)) this.events.emit("unload", { name: entry.ref.name, reason });
  }
}

/**
 * A model instance: the file at its usual context or a requested larger one. Keyed by the file,
 * not the name: names that share a file (`cp`, Modelfile presets, which differ only in what the
 * gateway adds to requests) share its weights and sequences, as Ollama's runners are keyed by
 * model path. It is listed under the name that loaded it.
 */
function entryKey(ref: LocalModelRef, contextSize?: number): string {
  return `${ref.path}${contextSize === undefined ? "" : `\0${contextSize}`}`;
}

function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
