import type { LlamaContext, LlamaContextSequence } from "node-llama-cpp";
import { withLock } from "lifecycle-utils";
import { holdsOnlyItsTokens, internalsOf } from "./sequenceInternals.ts";

interface ContextInternals {
  _ctx?: { disposeSequence?(sequenceId: number): void };
  _queuedDecodes?: { sequenceId: number }[];
}

interface Pending {
  sequence: LlamaContextSequence;
  done(): void;
}

/**
 * Clears finished sequences (their tokens and KV cells) so the next request starts empty,
 * without waiting for every other stream on the context to end.
 *
 * node-llama-cpp's `clearHistory()` takes the context's lock, and its decode loop holds that
 * lock for as long as any sequence has a decode queued: under steady load, never released. So a
 * finished sequence stayed out of the pool until every stream beside it had ended, and the
 * context served in waves, like static batching: 24 clients streaming back to back on 16
 * sequences (queue 16) got 331 "queue full" refusals in 15 s, because most "busy" sequences
 * were waiting to be cleared.
 *
 * Instead, a sequence is cleared at the first safe point: between two decodes of the running
 * loop (the batch strategy calls `atSafePoint`, see batching.ts), or under the lock when no
 * loop runs. There no decode or sampling is in flight, and the clear is what `clearHistory()`
 * does for a whole sequence: llama.cpp's `llama_memory_seq_rm` and the sequence's token
 * bookkeeping reset, on node-llama-cpp's internal fields. A sequence with a decode still queued
 * waits for the next safe point. If the internals are not as expected (another node-llama-cpp
 * version), or this module's lifecycle-utils does not share node-llama-cpp's lock (probed at
 * start), every clear takes the public `clearHistory()` as before.
 */
export class SequenceClearer {
  private readonly pending: Pending[] = [];
  /** A sweep waits for the lock (see `sweep`). */
  private sweeping = false;

  /** `inPlace`: node-llama-cpp's internals are as expected and its lock is the one this module takes. */
  private constructor(private readonly context: LlamaContext, readonly inPlace: boolean) {}

  /** `probe`: a sequence of this context nobody uses yet, to check that the lock is shared. */
  static async create(context: LlamaContext, probe: LlamaContextSequence): Promise<SequenceClearer> {
    const c = context as unknown as ContextInternals;
    const fields = typeof c._ctx?.disposeSequence === "function" && Array.isArray(c._queuedDecodes) && internalsOf(probe) !== undefined;
    return new SequenceClearer(context, fields && (await sharesLock(context, probe)));
  }

  /** Resolves once `sequence` is empty. */
  clear(sequence: LlamaContextSequence): Promise<void> {
    if (!this.inPlace) return sequence.clearHistory().catch(() => undefined);
    return new Promise<void>((done) => {
      this.pending.push({ sequence, done });
      this.sweep();
    });
  }

  /** Clears what can be cleared now. Only where the context's lock is held and no decode runs. */
  atSafePoint(): void {
    if (this.pending.length === 0) return;
    const queued = new Set<number | undefined>((this.context as unknown as ContextInternals)._queuedDecodes?.map((q) => q.sequenceId));
    for (const entry of [...this.pending]) {
      if (queued.has(internalsOf(entry.sequence)?._sequenceId)) continue; // a decode of its request is still to run
      if (!this.clearInPlace(entry.sequence)) continue;
      this.claim(entry);
      entry.done();
    }
  }

  /**
   * When no loop runs, nothing calls atSafePoint: one waiter on the lock does (under steady load
   * it waits behind the loop, which clears everything first). What it could not clear in place
   * goes through `clearHistory()`; entries that came while it waited get another sweep.
   */
  private sweep(): void {
    if (this.sweeping) return;
    this.sweeping = true;
    const pass = () => {
      this.atSafePoint();
      return [...this.pending];
    };
    void withLock([this.context, "context"], pass).catch(() => [...this.pending]).then(async (left) => {
      this.sweeping = false;
      const stuck = left.filter((e) => this.claim(e));
      if (this.pending.length) this.sweep();
      await Promise.all(stuck.map(async (e) => {
        await e.sequence.clearHistory().catch(() => undefined);
        e.done();
      }));
    });
  }

  private claim(entry: Pending): boolean {
    const at = this.pending.indexOf(entry);
    if (at < 0) return false;
    this.pending.splice(at, 1);
    return true;
  }

  private clearInPlace(sequence: LlamaContextSequence): boolean {
    const s = internalsOf(sequence);
    if (!s || !holdsOnlyItsTokens(s)) return false;
    if (sequence.disposed) return true;
    try {
      (this.context as unknown as ContextInternals)._ctx!.disposeSequence!(s._sequenceId);
    } catch {
      return true; // the context is gone: nothing left to clear
    }
    s._contextTokens = [];
    s._nextTokenIndex = 0;
    s._checkpoints.pruneFromEndToIndex(-1);
    return true;
  }
}


/**
 * Whether `withLock` here is node-llama-cpp's lock: while we hold it, node-llama-cpp's own
 * locked operation (an erase of nothing) must wait. npm installs one lifecycle-utils for both
 * as long as the version ranges agree (package.json).
 */
async function sharesLock(context: LlamaContext, probe: LlamaContextSequence): Promise<boolean> {
  let erased = false;
  let inside: Promise<void> | undefined;
  await withLock([context, "context"], async () => {
    inside = probe.eraseContextTokenRanges([]).then(() => { erased = true; });
    await new Promise((r) => setImmediate(r));
  });
  const shared = !erased;
  await inside;
  return shared;
}
