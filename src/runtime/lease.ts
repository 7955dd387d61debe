import type { LlamaContextSequence } from "node-llama-cpp";
import type { DraftSource } from "./draft.ts";
import type { LocalModelRef } from "./types.ts";
import type { LoadedModel, LoraAdapter } from "./loadedModel.ts";
import type { ModelPool } from "./pool.ts";

export interface HoldOptions {
  keepAliveMs?: number;
  lora?: LoraAdapter[];
  signal?: AbortSignal;
  contextSize?: number;
}

export interface Held {
  loaded: LoadedModel;
  /** The caller's signal joined with the pool's (model dropped, runtime closing). */
  signal: AbortSignal;
  /** performance.now() when the request arrived. */
  startedAt: number;
  loadMs: number;
}

export interface HeldSequence extends Held {
  sequence: LlamaContextSequence;
  /** Cuts the sequence to its first n tokens (between its context's decodes when it can). */
  trim(n: number): Promise<void>;
  queueMs: number;
  /** A draft model's sequence for this generation (draft.ts: withDraft). */
  draft?: DraftSource;
}

/** Runs `fn` with the model loaded and counted as in use (for keep-alive and eviction). */
export async function withModel<T>(pool: ModelPool, ref: LocalModelRef, opts: HoldOptions, fn: (held: Held) => Promise<T>): Promise<T> {
  const startedAt = performance.now();
  const { entry, loaded, loadMs } = await pool.acquire(ref, opts);
  try {
    const signal = opts.signal ? AbortSignal.any([opts.signal, entry.signal]) : entry.signal;
    signal.throwIfAborted();
    return await fn({ loaded, signal, startedAt, loadMs });
  } finally {
    entry.done();
  }
}

/**
 * Validates with `prepare` (before queueing, so a bad request never takes a place in line), then
 * runs `run` on a sequence of its own (with a `cacheScope`, possibly one holding that scope's
 * previous chat, see PromptCache). Waits in the model's bounded FIFO queue when every
 * sequence is busy; the sequence is cleared and passed to the next waiter when `run` settles.
 * The answer does not wait for the clearing, which waits for a moment when no decode runs
 * (clearing.ts).
 */
export function withSequence<P, T>(
  pool: ModelPool, ref: LocalModelRef, opts: HoldOptions,
  prepare: (loaded: LoadedModel) => P | Promise<P>,
  run: (held: HeldSequence, prepared: P) => Promise<T>,
  cacheScope?: string,
  /** The prompt's tokens, to find the scope's kept sequence that shares the most of them. */
  promptOf?: (prepared: P) => readonly number[],
): Promise<T> {
  return withModel(pool, ref, opts, async (held) => {
    const prepared = await prepare(held.loaded);
    const queued = performance.now();
    const lease = await held.loaded.lease(opts.lora ?? [], held.signal, cacheScope, cacheScope === undefined ? undefined : promptOf?.(prepared));
    let ok = false;
    try {
      const result = await run({ ...held, sequence: lease.sequence, trim: lease.trim, queueMs: performance.now() - queued }, prepared);
      ok = !held.signal.aborted;
      return result;
    } finally {
      void lease.release(ok); // the sequence stays out of the pool until it is clear (or kept)
    }
  });
}
