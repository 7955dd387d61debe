/**
 * An eval suite's scores as an extra, clearly labelled leaderboard column: shown next to the
 * arena ratings, never blended into them (GET /evals/suites/:id/leaderboard).
 */
import { useState } from "react";
import { api } from "../../lib/api.ts";
import { useAsync } from "../../lib/useAsync.ts";

interface SuiteListing { id: string; name: string; cases: number }
export interface EvalColumnData {
  label: string;
  rows: { model: string; mean: number; low: number; high: number; n: number }[];
}

/** The suite picker and the chosen suite's column (undefined while none is chosen). */
export function useEvalColumn() {
  const [suiteId, setSuiteId] = useState("");
  const suites = useAsync(() => api<{ suites: SuiteListing[] }>("GET", "/evals/suites"), []);
  const column = useAsync(
    async () => (suiteId ? (await api<{ column: EvalColumnData }>("GET", `/evals/suites/${encodeURIComponent(suiteId)}/leaderboard`)).column : undefined),
    [suiteId],
  );
  const picker = (
    <label>
      Eval column
      <select value={suiteId} onChange={(e) => setSuiteId(e.target.value)}>
        <option value="">None</option>
        {(suites.data?.suites ?? []).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}
      </select>
    </label>
  );
  return { picker, column: column.data, error: suites.error ?? column.error };
}

/** "0.72 (0.61–0.83)" for a model, or a dash when the suite never scored it. */
export function evalCell(column: EvalColumnData, model: string): string {
  const r = column.rows.find((x) => x.model === model);
  return r ? `${r.mean.toFixed(2)} (${r.low.toFixed(2)}–${r.high.toFixed(2)})` : "—";
}
