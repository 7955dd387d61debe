import type { Gateway } from "../../gateway/gateway.ts";
import type { EvalCase } from "../suite.ts";

/**
 * 0..1, plus what the scorer saw (extracted value, judge verdicts) for the results table.
 * `detail.unscored: true` marks a case the judge gave no usable score for: stored with score 0,
 * left out of means and comparisons, counted per model.
 */
export interface Score {
  score: number;
  detail?: Record<string, unknown>;
}

/** What a scorer may need beyond the output: judges generate through the gateway. */
export interface ScoreContext {
  gateway: Pick<Gateway, "resolve">;
  /** The model under test, the default judge when a case names none. */
  model: string;
  /** The run's judge, for cases that name none (default: the model under test). */
  judge?: string;
  signal?: AbortSignal;
}

export type Scorer = (c: EvalCase, output: string, ctx: ScoreContext) => Score | Promise<Score>;
