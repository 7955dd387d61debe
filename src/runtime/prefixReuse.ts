import type { LlamaContext, LlamaContextSequence } from "node-llama-cpp";
import type { BetweenDecodes } from "./betweenDecodes.ts";
import { holdsOnlyItsTokens as idle, internalsOf, type SequenceInternals } from "./sequenceInternals.ts";


interface Native {
  removeTokenCellsFromSequence(sequenceId: number, start: number, end: number): boolean;
  copySequenceStateFromOtherSequence(target: number, source: number): Promise<number>;
  disposeSequence(sequenceId: number): void;
}

/**
 * A kept sequence's tokens reused while other streams decode (PromptCache, under load): its tail
 * past the shared prefix erased, or its prefix copied into the sequence the request was given.
 * Both run between two decodes (betweenDecodes.ts), on node-llama-cpp's internal fields, doing
 * what its own locked `eraseContextTokenRanges` and `_copyStateFromOtherSequence` do; the chat
 * then finds the sequence holding exactly a prefix of its prompt, and evaluates only the rest
 * without taking the lock. Not for models whose state cannot be cut (recurrent, hybrid, sliding
 * window without a full cache: they need checkpoints), nor sequences with drafted tokens.
 */
export class PrefixReuse {
  private constructor(private readonly native: Native, private readonly between: BetweenDecodes) {}

  static create(context: LlamaContext, between: BetweenDecodes | undefined, sample: LlamaContextSequence): PrefixReuse | undefined {
    const native = (context as unknown as { _ctx?: Partial<Native> })._ctx;
    if (!between || !native || typeof native.removeTokenCellsFromSequence !== "function" || typeof native.copySequenceStateFromOtherSequence !== "function" ||
      typeof native.disposeSequence !== "function" || !internalsOf(sample) || sample.needsCheckpoints) return undefined;
    return new PrefixReuse(native as Native, between);
  }

  /** Cuts `sequence` to its first `n` tokens. False if it could not (the caller must clear it). */
  trim(sequence: LlamaContextSequence, n: number): Promise<boolean> {
    return this.between.run(() => this.cut(sequence, n));
  }

  /**
   * Makes `to` hold the first `n` tokens of `from` (a copy of its KV cells: llama.cpp copies a
   * sequence's whole cache buffer, ~50 MB for the 1.1B shape at 2048 cells, a few ms against
   * ~7 ms per prompt token to evaluate them again). False if it could not (the caller must clear `to`).
   */
  copy(from: LlamaContextSequence, to: LlamaContextSequence, n: number): Promise<boolean> {
    return this.between.run(async () => {
      const src = internalsOf(from), dst = internalsOf(to);
      if (!src || !dst || from.disposed || to.disposed || !idle(src) || !idle(dst) || n > src._nextTokenIndex) return false;
      try {
        const copied = await this.native.copySequenceStateFromOtherSequence(dst._sequenceId, src._sequenceId);
        dst._contextTokens = src._contextTokens.slice(0, copied + 1);
        dst._nextTokenIndex = dst._contextTokens.length;
        dst._loadedTokenPredictions = [];
        dst._checkpoints.pruneFromEndToIndex(-1);
      } catch {
        this.empty(dst);
        return false;
      }
      return dst._nextTokenIndex >= n && this.cut(to, n);
    });
  }

  private cut(sequence: LlamaContextSequence, n: number): boolean {
    const s = internalsOf(sequence);
    if (!s || sequence.disposed || !idle(s)) return false;
    if (n >= s._nextTokenIndex) return n === s._nextTokenIndex;
    try {
      if (!this.native.removeTokenCellsFromSequence(s._sequenceId, n, s._nextTokenIndex)) {
        this.empty(s);
        return false;
      }
    } catch {
      return false; // the context is gone
    }
    s._contextTokens.splice(n);
    s._nextTokenIndex = n;
    s._checkpoints.pruneFromEndToIndex(n - 1);
    return true;
  }

  private empty(s: SequenceInternals): void {
    try {
      this.native.disposeSequence(s._sequenceId);
    } catch { /* the context is gone */ }
    s._contextTokens = [];
    s._nextTokenIndex = 0;
    s._checkpoints.pruneFromEndToIndex(-1);
  }
}
