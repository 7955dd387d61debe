/**
 * An eval suite as a leaderboard column, shown apart from (never blended into) arena ratings:
 * per model, the mean score with a 95% bootstrap CI from the newest run of this suite in which
 * the model finished every case, so every model in the column is scored on the same cases.
 */
import type { Db } from "../store/db.ts";
import { EvalRepo, type RunRecord } from "./repo.ts";
import { bootstrap } from "./stats.ts";
import { isUnscored } from "./summary.ts";

export interface LeaderboardColumnRow {
  model: string;
  mean: number;
  low: number;
  high: number;
  n: number;
  runId: string;
  scoredAt: Date;
}

export interface LeaderboardColumn {
  suiteId: string;
  suiteName: string;
  /** A header that says what the number is, e.g. "Eval: math-v1 (mean score, 95% CI)". */
  label: string;
  cases: number;
  rows: LeaderboardColumnRow[];
}

/** `visible` limits which runs count (the caller's own, for non-admins). Rows sorted best first. */
export async function leaderboardColumn(db: Db, suiteId: string, visible: (r: RunRecord) => boolean = () => true, name?: string): Promise<LeaderboardColumn | undefined> {
  const repo = new EvalRepo(db);
  const suite = await repo.getSuite(suiteId);
  if (!suite) return undefined;
  const cases = suite.cases.length;
  const rows: LeaderboardColumnRow[] = [];
  const seen = new Set<string>();
  // listRuns is newest first; a run counts for a model only when the model finished every case.
  for (const run of (await repo.listRuns({ suiteId, limit: 1000 })).filter(visible)) {
    const counts = await repo.counts(run.id);
    for (const model of run.models) {
      if (seen.has(model) || counts.get(model) !== cases) continue;
      seen.add(model);
      const e = bootstrap((await repo.results(run.id, { model })).filter((r) => !isUnscored(r)).map((r) => r.score));
      rows.push({ model, mean: e.mean, low: e.low, high: e.high, n: e.n, runId: run.id, scoredAt: run.updatedAt });
    }
  }
  rows.sort((a, b) => b.mean - a.mean || a.model.localeCompare(b.model));
  const suiteName = name ?? suite.name;
  return { suiteId, suiteName, label: `Eval: ${suiteName} (mean score, 95% CI)`, cases, rows };
}
