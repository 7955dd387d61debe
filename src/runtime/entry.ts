import { FreeholdError } from "../errors.ts";
import type { LocalModelRef } from "./types.ts";
import type { LoadedModel } from "./loadedModel.ts";
import type { MemoryPrediction } from "./memory.ts";

/** setTimeout's longest delay (2^31 - 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ModelStatus {
  name: string;
  path: string;
  /** Still loading (or waiting for room). */
  loading: boolean;
  /** Predicted: weights, and weights + context. */
  weightsBytes: number;
  predictedBytes: number;
  /** What node-llama-cpp accounts for the live model and its contexts (LoRA, embedding). */
  actualBytes: number;
  contextSize: number;
  sequences: number;
  threads: number;
  busySequences: number;
  queueDepth: number;
  /** Requests holding the model: loading, queued, generating or embedding. */
  activeRequests: number;
  /** When an idle model unloads; null while busy or when kept forever. */
  expiresAt: Date | null;
}

/**
 * One model's place in the pool: how many requests hold it, when it expires, and the abort
 * signal that ends its requests when it is dropped. The pool decides; this tracks.
 */
export class Entry {
  ready!: Promise<LoadedModel>;
  loaded?: LoadedModel;
  predicted?: MemoryPrediction;
  /** Predicted memory admitted against the budget (0 until admitted, and after disposal). */
  admittedBytes = 0;
  lastUsed = Date.now();
  private active = 0;
  private loadedAt = 0;
  private timer?: NodeJS.Timeout;
  private expiresAt: number | null = null;
  private unloadRequested = false;
  /** The latest request's keep-alive; a request without one gets the default, as in Ollama. */
  private keepAliveMs = 0;
  private readonly abort = new AbortController();
  private disposing?: Promise<boolean>;
  private gone!: () => void;
  private onIdle?: () => void;
  private readonly goneSignal = new Promise<void>((r) => (this.gone = r));

  constructor(
    readonly ref: LocalModelRef,
    private readonly defaultKeepAliveMs: number,
    private readonly expire: (entry: Entry, reason: string) => void,
    /** Tokens per sequence a request asked for beyond the model's usual context (pool.instanceContext). */
    readonly contextSize?: number,
  ) {}

  start(load: Promise<LoadedModel>): void {
    this.ready = load;
    load.then(
      (l) => { this.loaded = l; this.loadedAt = performance.now(); },
      () => this.expire(this, "failed"),
    );
  }

  /** What this model holds against the budget: its admission plus LoRA/embedding contexts. */
  get reservedBytes(): number {
    return this.admittedBytes === 0 ? 0 : this.admittedBytes + (this.loaded?.extraBytes ?? 0);
  }

  /** Aborted when the model is dropped (close, or unload under running requests). */
  get signal(): AbortSignal { return this.abort.signal; }

  get idle(): boolean { return this.active === 0 && this.loaded !== undefined && !this.disposing; }

  /** How much of a request's wait since `since` was spent loading. */
  loadedHere(since: number): number { return Math.max(0, this.loadedAt - since); }

  begin(keepAliveMs?: number): void {
    this.active++;
    this.keepAliveMs = keepAliveMs ?? this.defaultKeepAliveMs;
    clearTimeout(this.timer);
    this.expiresAt = null;
  }

  done(): void {
    this.active--;
    this.lastUsed = Date.now();
    if (this.active === 0) this.onIdle?.();
    if (this.active > 0 || this.disposing) return;
    if (this.unloadRequested || this.keepAliveMs === 0) return this.expire(this, this.unloadRequested ? "requested" : "keep_alive");
    // Beyond a timer's range (~24.8 days) Node fires at once: such a keep-alive means "keep".
    if (this.keepAliveMs < 0 || this.keepAliveMs > MAX_TIMER_MS) return;
    this.expiresAt = Date.now() + this.keepAliveMs;
    this.timer = setTimeout(() => this.expire(this, "expired"), this.keepAliveMs);
    this.timer.unref();
  }

  /** Resolves once the model is unloaded; that happens when its last request ends. */
  unloadWhenIdle(): Promise<void> {
    this.unloadRequested = true;
    if (this.active === 0) this.expire(this, "requested");
    return this.goneSignal;
  }

  /** Idempotent. Ends running requests, fails queued ones, frees the model. True if it was loaded. */
  dispose(reason: string): Promise<boolean> {
    this.disposing ??= (async () => {
      clearTimeout(this.timer);
      const error = new FreeholdError("unavailable", `model ${this.ref.name} was unloaded (${reason})`);
      this.abort.abort(error);
      const loaded = await this.ready.catch(() => undefined);
      loaded?.rejectWaiting(error);
      // Aborted requests end within a token; free native memory only once nothing uses it.
      if (this.active > 0) await new Promise<void>((r) => (this.onIdle = r));
      await loaded?.dispose();
      this.admittedBytes = 0;
      this.gone();
      return loaded !== undefined;
    })();
    return this.disposing;
  }

  status(): ModelStatus {
    const l = this.loaded;
    const s = l?.settings;
    return {
      name: this.ref.name,
      path: this.ref.path,
      loading: !l,
      weightsBytes: this.predicted?.weightsBytes ?? 0,
      predictedBytes: this.predicted?.totalBytes ?? 0,
      actualBytes: l && !this.disposing ? l.memoryBytes : 0,
      contextSize: s?.contextSize ?? 0,
      sequences: s?.sequences ?? 0,
      threads: s?.threads ?? 0,
      busySequences: l?.busySequences ?? 0,
      queueDepth: l?.queued ?? 0,
      activeRequests: this.active,
      expiresAt: this.expiresAt === null ? null : new Date(this.expiresAt),
    };
  }
}
