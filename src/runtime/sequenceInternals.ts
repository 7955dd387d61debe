import type { LlamaContextSequence } from "node-llama-cpp";

/** node-llama-cpp's internal fields of a sequence that clearing.ts and prefixReuse.ts work on. */
export interface SequenceInternals {
  _sequenceId: number;
  _contextTokens: unknown[];
  _nextTokenIndex: number;
  _loadedTokenPredictions: unknown[];
  _tokenPredictor?: unknown;
  _checkpoints: { pruneFromEndToIndex(index: number): void };
}

/** The sequence's internals, or undefined if they are not as expected (another node-llama-cpp version). */
export function internalsOf(sequence: LlamaContextSequence): SequenceInternals | undefined {
  const s = sequence as unknown as Partial<SequenceInternals>;
  const ok = typeof s._sequenceId === "number" && Array.isArray(s._contextTokens) && typeof s._nextTokenIndex === "number" &&
    Array.isArray(s._loadedTokenPredictions) && typeof s._checkpoints?.pruneFromEndToIndex === "function";
  return ok ? (s as SequenceInternals) : undefined;
}

/** No drafted tokens loaded and no predictor attached: its tokens are exactly its cache. */
export const holdsOnlyItsTokens = (s: SequenceInternals) => s._loadedTokenPredictions.length === 0 && s._tokenPredictor == null;
