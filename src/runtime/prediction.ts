/**
 * Predicted Outputs (OpenAI's `prediction`): the caller sends text the answer will mostly repeat
 * (a file to edit, a document to correct), and its tokens are evaluated ahead as a draft that the
 * model checks in one batch, as in speculative decoding. Every token of the answer is still the
 * model's own choice: a drafted token is kept only when it is the token sampled at its place, so a
 * greedy answer is the same with or without a prediction, only sooner (but for a near-tie, which
 * a batch's other floating-point sums can decide the other way, as with prompt caching).
 *
 * On a CPU a batch of k tokens costs far less than k single steps but far more than one (measured
 * on this project's 2-core machine: 16 tokens ≈ 5x one), so a wrong draft is not free. The draft's
 * length follows how much of the recent drafts the model kept (draftLength), and after the answer
 * departs from the prediction (an edit) drafting resumes only once the answer's latest tokens are
 * found in the prediction again.
 */
import type { LlamaModel, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";
import { loadedLlamaCpp } from "./llamaCpp.ts";
import { checkedTokens } from "./promptLogprobs.ts";
import type { Sampling } from "./sampling.ts";
import type { GenerateOptions } from "./types.ts";

export const MAX_DRAFT = 32;
/** Extra cost of each drafted token in a batch, in single-token steps (2 cores, 135M-0.5B models: 0.25-0.3). */
const DRAFT_COST = 0.28;
/** The caller says the answer will repeat the prediction: trusted at first, then measured. */
const FIRST_ACCEPTANCE = 0.9;
/** Weight of each drafted token's outcome in the running acceptance rate. */
const LEARNING = 0.1;
/** While drafting does not pay, one token is still drafted this often, to notice when it would again. */
const PROBE_EVERY = 16;
/** Longest run of the answer's last tokens looked up in the prediction to find where it rejoined it. */
const MAX_MATCH = 32;
/** A single token found again counts only this close to where the answer was expected to be. */
const NEAR = 2;

/**
 * The draft length that makes a token cheapest when each drafted token is kept with probability
 * `a` (until the first that is not): a batch of 1 + k tokens costs 1 + DRAFT_COST·k steps and
 * yields 1 + a(1 − a^k)/(1 − a) tokens on average. 0 when no length beats a single step.
 */
export function draftLength(a: number): number {
  let best = 0, bestCost = 1;
  for (let k = 1; k <= MAX_DRAFT; k++) {
    const kept = a >= 1 ? k : (a * (1 - a ** k)) / (1 - a);
    const cost = (1 + DRAFT_COST * k) / (1 + kept);
    if (cost < bestCost * 0.97) { best = k; bestCost = cost; }
  }
  return best;
}

/** Where the answer stands against the prediction, token by token (no model involved: unit-testable). */
export class PredictionCursor {
  /** Index in the prediction of the token expected next; undefined while the answer is off it. */
  private at: number | undefined = 0;
  /** Where the answer was last on the prediction, and how many tokens it made since. */
  private lastAt = 0;
  private offBy = 0;
  private output: Token[] = [];
  /** Running share of drafted tokens the model kept. */
  private acceptance = FIRST_ACCEPTANCE;
  /** The end of the last draft handed out, while its tokens are being checked. */
  private draftEnd: number | undefined;
  private sinceDraft = 0;
  /** Whether `at` is a guess (the last token taken as a replacement) rather than a match. */
  private guessed = false;

  constructor(private readonly prediction: readonly Token[], private readonly maxTokens = Infinity, private readonly maxDraft = MAX_DRAFT) {}

  /** Starts over from an answer so far (node-llama-cpp resets its predictor when a generation starts). */
  reset(answer: readonly Token[]): void {
    this.output = [];
    this.at = 0;
    this.lastAt = 0;
    this.offBy = 0;
    this.draftEnd = undefined;
    this.guessed = false;
    for (const t of answer) this.push(t);
  }

  /** A token the model chose. */
  push(token: Token): void {
    this.output.push(token);
    this.sinceDraft++;
    if (this.at !== undefined && this.prediction[this.at] === token) {
      this.at++;
      this.lastAt = this.at;
      this.offBy = 0;
      this.guessed = false;
      if (this.draftEnd !== undefined) {
        this.learn(1);
        if (this.at >= this.draftEnd) this.draftEnd = undefined;
      }
      return;
    }
    if (this.draftEnd !== undefined) this.learn(0);
    this.draftEnd = undefined;
    const was = this.at;
    if (was !== undefined && !this.guessed && was + 1 < this.prediction.length) {
      // Just off the prediction: first guess that the token replaced the expected one (a word for
      // a word). Searching first would find, in a run of repeated tokens, a match further on.
      this.at = this.lastAt = was + 1;
      this.offBy = 0;
      this.guessed = true;
      return;
    }
    this.guessed = false;
    this.offBy++;
    this.at = this.rejoin();
  }

  /** The tokens to draft after the answer so far ([] while it is off the prediction). */
  next(): Token[] {
    if (this.at === undefined) return [];
    const wanted = draftLength(this.acceptance) || (this.sinceDraft >= PROBE_EVERY ? 1 : 0);
    const length = Math.min(wanted, this.maxDraft, this.maxTokens - this.output.length, this.prediction.length - this.at);
    if (length <= 0) return [];
    this.draftEnd = this.at + length;
    this.sinceDraft = 0;
    return this.prediction.slice(this.at, this.at + length);
  }

  private learn(kept: 0 | 1): void {
    this.acceptance += LEARNING * (kept - this.acceptance);
  }

  /**
   * Where in the prediction the answer's latest tokens end, ahead of where it left it: the longest
   * match of its last tokens wins, the one nearest to where the answer would be on a tie.
   * Two tokens in a row are needed, or one right where expected (a word replaced by a word).
   */
  private rejoin(): number | undefined {
    const out = this.output, p = this.prediction;
    const last = out[out.length - 1];
    const expected = this.lastAt + this.offBy;
    let best: number | undefined, bestLength = 0, bestDistance = Infinity;
    // Only ahead of where the answer last was on the prediction: in a run of repeated tokens the
    // longest match would otherwise lead back to the token just refused, again and again.
    for (let j = this.lastAt + 1; j <= p.length; j++) {
      if (p[j - 1] !== last) continue;
      let length = 1;
      while (length < MAX_MATCH && length < j && length < out.length && p[j - 1 - length] === out[out.length - 1 - length]) length++;
      const distance = Math.abs(j - expected);
      if (length < 2 && distance > NEAR) continue;
      if (length > bestLength || (length === bestLength && distance < bestDistance)) {
        best = j;
        bestLength = length;
        bestDistance = distance;
      }
    }
    if (best === undefined) return undefined;
    this.lastAt = best;
    this.offBy = 0;
    return best;
  }
}

/**
 * A request's prediction as tokens (undefined without one). Text is tokenized after the prompt
 * (`promptWith`: the prompt's tokens with a text after it), so that a tokenizer joining across the
 * boundary or adding a word-start space spells it as the answer would; token ids (runtime callers)
 * are taken as they are.
 */
export function predictionTokens(model: LlamaModel, opts: GenerateOptions, sampling: Sampling,
  prompt: readonly Token[], promptWith?: (text: string) => Token[]): Token[] | undefined {
  const p = opts.prediction;
  if (p === undefined) return undefined;
  // The drafted tokens are sampled in one batch, with the penalties of its start: the answer would change.
  if (sampling.penalty) throw invalid("a prediction cannot be combined with repetition, presence or frequency penalties", "prediction");
  if (typeof p !== "string") return checkedTokens(model, p, "prediction");
  const together = promptWith?.(p);
  const follows = together && together.length > prompt.length && prompt.every((t, i) => together[i] === t);
  return follows ? together.slice(prompt.length) : model.tokenize(p, false);
}

/** The cursor as a node-llama-cpp TokenPredictor; the state it is given starts with the prompt. */
export function predictor(cursor: PredictionCursor, promptTokens: number) {
  const { TokenPredictor } = loadedLlamaCpp();
  class PredictedOutput extends TokenPredictor {
    reset({ stateTokens }: { stateTokens: Token[] }): void { cursor.reset(stateTokens.slice(promptTokens)); }
    pushTokens(tokens: Token[]): void { for (const t of tokens) cursor.push(t); }
    predictTokens(): Token[] { return cursor.next(); }
  }
  return new PredictedOutput();
}
