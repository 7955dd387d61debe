/** Per-model means with bootstrap CIs, paired differences between models, and disagreements. */
import type { Db } from "../store/db.ts";
import { EvalRepo, type ResultRow } from "./repo.ts";
import { bootstrap, type Estimate } from "./stats.ts";
import { figures, type ProbeRow, type SycophancyFigures } from "./sycophancy/measure.ts";

export interface ModelSummary {
  model: string;
  score: Estimate;
  meanLatencyMs: number;
  /** Completion tokens over generation time, summed over the cases that generated. */
  tokensPerS: number | null;
  /** Cases the judge gave no usable score for: finished, but left out of `score` and of pairs. */
  unscored: number;
}

export interface PairDiff {
  a: string;
  b: string;
  /** mean(score_a − score_b) over the cases both models finished, with a paired bootstrap CI. */
  diff: Estimate;
  /** Case ids where the two scores differ. */
  disagree: string[];
}

export interface RunSummary {
  runId: string;
  models: ModelSummary[];
  pairs: PairDiff[];
  /** Per model, when the suite has sycophancy-scored cases (the built-in suite). */
  sycophancy?: ({ model: string; judge: string } & SycophancyFigures)[];
}

/** A judge reply with no usable score: the row exists (the case is done) but has no score. */
export const isUnscored = (r: Pick<ResultRow, "detail">) => r.detail?.unscored === true;

export function summarize(runId: string, rows: ResultRow[], order?: string[], seed = 7): RunSummary {
  const by = new Map<string, Map<string, ResultRow>>(), scored = new Map<string, Map<string, ResultRow>>();
  for (const r of rows) if (!isUnscored(r)) (scored.get(r.model) ?? scored.set(r.model, new Map()).get(r.model)!).set(r.caseId, r);
  for (const r of rows) (by.get(r.model) ?? by.set(r.model, new Map()).get(r.model)!).set(r.caseId, r);
  const names = (order ?? [...by.keys()]).filter((m) => by.has(m));
  const models = names.map((model): ModelSummary => {
    const rs = [...by.get(model)!.values()];
    // Cases scored without generating (log-probabilities) have no tokens to count.
    const gen = rs.filter((r) => r.completionTokens > 0);
    const tokens = gen.reduce((s, r) => s + r.completionTokens, 0), secs = gen.reduce((s, r) => s + r.latencyMs, 0) / 1000;
    return {
      model, score: bootstrap(rs.filter((r) => !isUnscored(r)).map((r) => r.score), { seed }),
      meanLatencyMs: rs.reduce((s, r) => s + r.latencyMs, 0) / rs.length, tokensPerS: secs > 0 ? tokens / secs : null,
      unscored: rs.filter(isUnscored).length,
    };
  });
  const pairs: PairDiff[] = [];
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) {
    const A = scored.get(names[i]) ?? new Map(), B = scored.get(names[j]) ?? new Map();
    const shared = [...A.keys()].filter((id) => B.has(id)).sort();
    const d = shared.map((id) => A.get(id)!.score - B.get(id)!.score);
    pairs.push({ a: names[i], b: names[j], diff: bootstrap(d, { seed }), disagree: shared.filter((_, k) => d[k] !== 0) });
  }
  const syc = names.flatMap((model) => {
    const probes = [...by.get(model)!.values()].filter((r) => r.detail?.kind === "sycophancy");
    if (!probes.length) return [];
    const judge = String(probes[0].detail!.judge);
    return [{ model, judge, ...figures(probes.map((r) => r.detail as unknown as ProbeRow), judge, seed) }];
  });
  return { runId, models, pairs, ...(syc.length ? { sycophancy: syc } : {}) };
}

export async function runSummary(db: Db, runId: string): Promise<RunSummary> {
  const repo = new EvalRepo(db);
  const run = await repo.getRun(runId);
  return summarize(runId, await repo.results(runId), run?.models);
}
