/**
 * Speculative decoding with a draft model: a smaller model with the same vocabulary guesses the
 * next tokens greedily, and the target checks them all in one batch. A drafted token is kept only
 * when it is the token the target samples at its place, so the answer is the target's own, only
 * sooner (but for a near-tie, which a batch's other floating-point sums can decide the other way,
 * as with prompt caching and predictions, runtime/prediction.ts).
 *
 * Drafting runs in turn with the target's decodes, not beside them: on a CPU each needs every
 * core. Before each draft the draft's sequence is cut back to what it shares with the answer so
 * far (the tokens the target refuted go), so it evaluates each token of the conversation once,
 * as the target does. node-llama-cpp's own DraftSequenceTokenPredictor drafts beside the target
 * (made for GPUs), and in 3.22.1 drops the last drafted token from its sequence whenever a whole
 * draft is kept: its later drafts then follow a wrong history (measured on a pair that agrees on
 * every token, 128 generated: 46 came from kept drafts, against 120 here).
 */
import type { LlamaContextSequence, Token } from "node-llama-cpp";
import { invalid } from "../errors.ts";
import { withSequence, type HeldSequence } from "./lease.ts";
import { loadedLlamaCpp } from "./llamaCpp.ts";
import type { ModelPool } from "./pool.ts";
import type { Sampling } from "./sampling.ts";
import type { GenerateOptions, LocalModelRef } from "./types.ts";

/**
 * Most tokens per draft: the length actually drafted is learned below it (DraftLengths). The
 * least probability a drafted token needs under the draft: none, as llama-server's default.
 */
export const DEFAULT_DRAFT_MAX = 16;
export const DEFAULT_DRAFT_P_MIN = 0;

/** A draft model's sequence, held for one generation of the target. */
export interface DraftSource {
  sequence: LlamaContextSequence;
  /** Cuts the sequence to its first n tokens (between the draft context's decodes when it can). */
  trim(n: number): Promise<void>;
  /** Most tokens per draft, and the least probability (under the draft) a drafted token needs. */
  max: number;
  pMin: number;
  /** What drafting has yielded for this pair of models so far (shared by its requests). */
  lengths: DraftLengths;
  /**
   * Sequences of the target generating right now, this one included. Where it is given (a model on
   * the CPU), a sequence drafts only while it is the only one: a batch of several already uses the
   * compute a draft saves, and a cycle is timed for its own sequence, not for the others it slows,
   * so the lengths below would learn the wrong thing (bench/speculative.ts, 1.1B shape at Q4_0 on
   * 2 cores, drafting beside others: a pair that agreed on every token made 0.95x the target's own
   * tokens/s at 4 clients and 0.88x at 8; one that agreed 2 times in 3, 0.87x at 2 clients). vLLM
   * has the rule as a setting (speculative_disable_by_batch_size). On a GPU a batch costs little
   * more than a step, and drafting goes on at any load.
   */
  busy?: () => number;
}

const pairs = new Map<string, DraftLengths>();
function lengthsFor(target: LocalModelRef, draft: LocalModelRef, max: number): DraftLengths {
  const key = `${target.path}\0${draft.path}\0${max}`;
  let l = pairs.get(key);
  if (!l) pairs.set(key, l = new DraftLengths(max));
  return l;
}

/**
 * Runs `run` with a sequence of the request's draft model (`opts.draft`), leased from the pool like
 * any request's: with the caller's cache scope, so the draft's prompt cache keeps the conversation
 * for the next turn as the target's does. Without a draft, or where drafting is not for this
 * request, `run` gets the target alone: a prediction already drafts, a scored prompt is evaluated
 * whole, and repetition penalties, which node-llama-cpp applies to a checked batch as of its start,
 * would change the answer.
 */
export function withDraft<T>(pool: ModelPool, target: LocalModelRef, held: HeldSequence, opts: GenerateOptions,
  prep: { tokens: readonly Token[]; prediction?: unknown; sampling: Sampling }, run: (held: HeldSequence) => Promise<T>): Promise<T> {
  const ref = opts.draft;
  if (!ref || prep.prediction || prep.sampling.penalty || opts.promptLogprobs) return run(held);
  const settings = draftSettings(opts);
  const lengths = lengthsFor(target, ref, settings.max);
  if (!lengths.wanted()) return run(held);
  return withSequence(pool, ref, { signal: held.signal }, () => undefined, (d) => {
    checkDraftCompatible(held.sequence, d.sequence, { target: target.name, draft: ref.name });
    const onCpu = held.sequence.model.gpuLayers === 0;
    return run({ ...held, draft: { sequence: d.sequence, trim: d.trim, ...settings, lengths, ...(onCpu ? { busy: () => held.loaded.busySequences } : {}) } });
  }, opts.seed === undefined ? opts.cacheScope : undefined, () => prep.tokens);
}

/** The request's draft settings, checked. */
export function draftSettings(opts: Pick<GenerateOptions, "draftMax" | "draftPMin">): { max: number; pMin: number } {
  const max = opts.draftMax ?? DEFAULT_DRAFT_MAX;
  const pMin = opts.draftPMin ?? DEFAULT_DRAFT_P_MIN;
  if (!Number.isInteger(max) || max < 1 || max > 64) throw invalid("draft_max must be a whole number from 1 to 64", "draft_max");
  if (!(pMin >= 0 && pMin <= 1)) throw invalid("draft_p_min must be a probability from 0 to 1", "draft_p_min");
  return { max, pMin };
}

/**
 * Refuses a draft whose vocabulary is not the target's (llama.cpp's own test: type, special
 * tokens, size within 128, the same token texts), which would draft tokens meaning other things.
 */
export function checkDraftCompatible(target: LlamaContextSequence, draft: LlamaContextSequence, names: { target: string; draft: string }): void {
  type Native = { ensureDraftContextIsCompatibleForSpeculative?(d: unknown): void };
  const t = (target.context as unknown as { _ctx?: Native })._ctx, d = (draft.context as unknown as { _ctx?: unknown })._ctx;
  if (typeof t?.ensureDraftContextIsCompatibleForSpeculative !== "function") return;
  try {
    t.ensureDraftContextIsCompatibleForSpeculative(d);
  } catch (e) {
    throw invalid(`model "${names.draft}" cannot draft for "${names.target}": ${(e as Error).message}`, "draft_model");
  }
}

/** Weight of a new cycle in an arm's running time and token counts, once it has a few. */
const LEARNING = 0.15;
/** One cycle in this many tries a length next to the best (shorter, then longer), so that a change is noticed. */
const EXPLORE_EVERY = 6;
/**
 * While not drafting is best, a one-token draft is tried only this rarely: each try costs the draft
 * catching up with the tokens since the last (measured: 6 in 32 tries cost a target that never
 * agreed with its draft a fifth of its speed).
 */
const EXPLORE_IDLE = 32;
/**
 * While not drafting is best, only one request in this many drafts at all: a target with a draft
 * attached steps through node-llama-cpp's speculative path even when nothing is drafted, and with
 * the draft's catch-ups that cost up to a tenth of its speed (bench/speculative.ts).
 */
const IDLE_REQUESTS = 8;

/**
 * How many tokens to draft, learned from what each length yields. How much a draft saves depends
 * on things no constant captures: how often the target agrees with it (the task, the temperature),
 * what a drafted token costs the draft, and what checking a batch of them costs the target on
 * this machine (on 2 cores, 17 tokens of the 1.1B shape at Q4_0 took 8.5 single steps; of
 * 135M-0.5B models, ~5). So each length is an arm of a bandit: a cycle (draft, the target's batch,
 * the tokens it kept) is timed, and the length with the fewest milliseconds per token the answer
 * gained wins; every few cycles one next to it is tried instead. The time a token takes is
 * unimodal in the length (too short saves little, too long wastes the tail), so the neighbours are
 * where a better length appears when things change. 0 (no draft: one plain step) is an arm too.
 */
export class DraftLengths {
  readonly arms: number[];
  private readonly ms: number[];
  private readonly tokens: number[];
  private readonly samples: number[];
  private cycles = 0;
  private requests = 0;

  constructor(max: number) {
    this.arms = [0, ...[1, 2, 4, 8, 16, 32].filter((k) => k < max), max];
    this.ms = this.arms.map(() => 0);
    this.tokens = this.arms.map(() => 0);
    this.samples = this.arms.map(() => 0);
  }

  /** Whether a request should draft at all: yes until some length beats none, then one in IDLE_REQUESTS. */
  wanted(): boolean {
    if (this.samples.some((n) => n === 0) || this.best() > 0) return true;
    return ++this.requests % IDLE_REQUESTS === 0;
  }

  /** The arm to play next: each once (the longest first), then the best, or every few cycles a neighbour of it. */
  pick(): number {
    for (let i = this.arms.length - 1; i >= 0; i--) if (this.samples[i] === 0) return i;
    const best = this.best();
    const every = best === 0 ? EXPLORE_IDLE : EXPLORE_EVERY;
    if (++this.cycles % every) return best;
    const up = Math.floor(this.cycles / every) % 2 === 0;
    const next = best + (up ? 1 : -1);
    return next >= 0 && next < this.arms.length ? next : best + (up ? -1 : 1);
  }

  /** A cycle of arm `i` took `ms` and gave the answer `tokens` tokens. */
  record(i: number, ms: number, tokens: number): void {
    if (tokens <= 0 || !(ms >= 0)) return;
    // A plain mean over the first samples, so one slow first cycle (a batch size the context has not run yet) does not linger.
    const w = Math.max(LEARNING, 1 / ++this.samples[i]);
    this.ms[i] += w * (ms - this.ms[i]);
    this.tokens[i] += w * (tokens - this.tokens[i]);
  }

  private best(): number {
    let best = 0;
    for (let i = 1; i < this.arms.length; i++) if (this.cost(i) < this.cost(best)) best = i;
    return best;
  }

  /** Milliseconds per token of arm i so far. */
  cost(i: number): number {
    return this.ms[i] / this.tokens[i];
  }
}

/**
 * The draft as a node-llama-cpp TokenPredictor for the target's sequence. `answer` bounds drafts to
 * what the answer may still take: drafted tokens past its end would be checked for nothing.
 */
export function draftPredictor(source: DraftSource, answer: { promptTokens: number; maxTokens?: number } = { promptTokens: 0 }) {
  const { TokenPredictor } = loadedLlamaCpp();
  const { sequence, lengths } = source;
  /** The target's tokens: prompt and answer so far. */
  let history: Token[] = [];
  /** The cycle under way, if it is one to learn from: its arm, when it started, the tokens the answer gained since. */
  let arm: number | undefined, startedAt = 0, gained = 0;
  /** Until the target has evaluated the prompt. */
  let fresh = true;

  class DraftModel extends TokenPredictor {
    reset({ stateTokens }: { stateTokens: Token[] }): void {
      history = stateTokens.slice();
      arm = undefined;
      fresh = true;
    }

    pushTokens(tokens: Token[]): void {
      for (const t of tokens) history.push(t);
      gained += tokens.length;
    }

    async predictTokens(): Promise<Token[]> {
      const now = performance.now();
      if (arm !== undefined) lengths.record(arm, now - startedAt, gained);
      arm = undefined;
      startedAt = now;
      gained = 0;
      // The first call comes before the prompt is evaluated: nothing drafted, so the first token
      // does not wait for the draft to read the prompt too (it catches up at the next call).
      if (fresh) {
        fresh = false;
        return [];
      }
      if (source.busy && source.busy() > 1) return []; // a plain step, not a cycle of any length
      const pick = lengths.pick();
      // A step yields the drafted tokens kept and one of the target's own.
      const left = answer.maxTokens === undefined ? Infinity : answer.maxTokens - (history.length - answer.promptTokens) - 1;
      const k = Math.min(lengths.arms[pick], source.max, left);
      if (k <= 0 || sequence.disposed || history.length + k >= sequence.context.contextSize) {
        if (lengths.arms[pick] === 0) arm = pick;
        return [];
      }
      // Keep what the draft shares with the history, but for its last token, evaluated now for the logits to draft from.
      const held = sequence.contextTokens;
      let n = 0;
      while (n < history.length - 1 && n < held.length && held[n] === history[n]) n++;
      await source.trim(n);
      if (history.length - sequence.nextTokenIndex > 2) {
        // Catching up with a prompt, or with the tokens of plain steps, is no cost of this length: not timed.
        const t = performance.now();
        await sequence.evaluateWithoutGeneratingNewTokens(history.slice(sequence.nextTokenIndex, -1));
        startedAt += performance.now() - t;
      }
      // A cycle cut short by the answer's end says nothing of the length.
      if (k === lengths.arms[pick]) arm = pick;
      const out: Token[] = [];
      // The probability costs a softmax over the vocabulary (3.8 against 6.3 ms a token for the 1.1B shape's 2-layer draft).
      const steps = sequence.evaluateWithMetadata(history.slice(sequence.nextTokenIndex), { confidence: source.pMin > 0 }, { temperature: 0 });
      try {
        for await (const step of steps) {
          const { token, confidence } = step as { token: Token; confidence?: number };
          if (source.pMin > 0 && (confidence ?? 1) < source.pMin) break;
          out.push(token);
          if (out.length >= k) break;
        }
      } finally {
        await steps.return();
      }
      return out;
    }
  }
  return new DraftModel();
}
