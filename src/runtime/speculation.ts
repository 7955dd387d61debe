/**
 * Speculative decoding on a held sequence, for one generation: the tokens drafted ahead come from
 * a prediction the caller sent (prediction.ts) or from a draft model (draft.ts), and the target
 * checks them in one batch. Counts what the answer kept and what was evaluated for nothing.
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { draftPredictor, type DraftSource } from "./draft.ts";
import { MAX_DRAFT, PredictionCursor, predictor } from "./prediction.ts";

/** Accepted: drafted tokens the answer kept; rejected: drafted tokens evaluated and thrown away. */
export interface PredictionCounts { accepted: number; rejected: number }

/**
 * A prediction's counts are OpenAI's `accepted_prediction_tokens` and `rejected_prediction_tokens`;
 * a draft model's are llama-server's `draft_n` and `draft_n_accepted`.
 */
export const speculationUsage = (s: { counts?: PredictionCounts; drafted?: PredictionCounts }) => ({
  ...(s.counts ? { acceptedPredictionTokens: s.counts.accepted, rejectedPredictionTokens: s.counts.rejected } : {}),
  ...(s.drafted ? { draftTokens: s.drafted.accepted + s.drafted.rejected, acceptedDraftTokens: s.drafted.accepted } : {}),
});

interface SequenceInternals {
  _tokenPredictor?: unknown;
  _loadedTokenPredictions?: unknown[];
  _abortTokenPredictor?: () => Promise<void>;
}

/**
 * node-llama-cpp takes a token predictor only when a sequence is created, and a sequence with one
 * evaluates everything speculatively; this runtime keeps its sequences for the model's lifetime.
 * So a request's predictor is attached to its held sequence for the generation only (through
 * node-llama-cpp's internal field, checked to exist, as runtime/clearing.ts does) and detached
 * after, with drafted tokens left in the context erased. Where the internals are not as expected,
 * `fn` runs without drafts (nothing accepted, nothing rejected). A prediction wins over a draft
 * model: it is what the caller expects the answer to be.
 */
export async function withSpeculation<T>(sequence: LlamaContextSequence,
  ahead: { prediction?: readonly Token[]; draft?: DraftSource; promptTokens: number; maxTokens?: number },
  fn: () => Promise<T>): Promise<{ result: T; counts?: PredictionCounts; drafted?: PredictionCounts }> {
  const { prediction, draft } = ahead;
  const s = sequence as unknown as SequenceInternals;
  const attachable = "_tokenPredictor" in s && s._tokenPredictor === undefined && Array.isArray(s._loadedTokenPredictions) && typeof s._abortTokenPredictor === "function";
  const kind = prediction ? "counts" : draft ? "drafted" : undefined;
  if (!kind || !attachable || (prediction && !prediction.length)) return { result: await fn(), ...(kind ? { [kind]: { accepted: 0, rejected: 0 } } : {}) };
  const before = sequence.tokenPredictions;
  const whole = keepsWholeDrafts(sequence);
  s._tokenPredictor = prediction
    ? predictor(new PredictionCursor(prediction, ahead.maxTokens, whole ? MAX_DRAFT : 1), ahead.promptTokens)
    : draftPredictor({ ...draft!, max: whole ? draft!.max : 1 }, ahead);
  try {
    return { result: await fn(), [kind]: countsSince(sequence, before) };
  } finally {
    // Erases drafted tokens the answer did not reach (fails only on a sequence disposed under the request).
    await s._abortTokenPredictor!.call(sequence).catch(() => undefined);
    s._tokenPredictor = undefined;
  }
}

/**
 * node-llama-cpp 3.22.1 checks each drafted token after the first against a list it never fills,
 * so it keeps at most one token of a draft: patches/node-llama-cpp+3.22.1.patch (applied by
 * patch-package after npm install) fills it. Without the fix, drafts of one token are all that
 * can be kept, and all that is sent.
 */
let wholeDrafts: boolean | undefined;
function keepsWholeDrafts(sequence: LlamaContextSequence): boolean {
  const evaluate = (Object.getPrototypeOf(sequence) as { _speculativeEvaluate?: () => unknown })._speculativeEvaluate;
  return (wholeDrafts ??= typeof evaluate === "function" && evaluate.toString().includes("validatedTokens.push("));
}

function countsSince(sequence: LlamaContextSequence, before: LlamaContextSequence["tokenPredictions"]): PredictionCounts {
  const now = sequence.tokenPredictions;
  const used = now.used - before.used;
  // Validated but never reached (the answer ended first) were evaluated for nothing, like refuted ones.
  return { accepted: used, rejected: now.refuted - before.refuted + (now.validated - before.validated - used) };
}
