/**
 * The leaderboard: Bradley-Terry ratings with 95% bootstrap intervals, one row per model variant
 * that ever got a vote (none can be hidden after a bad result). Style control, category and
 * date filters; admins can export the votes as FastChat JSONL.
 */
import { useState } from "react";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api, download } from "../../lib/api.ts";
import { useUser } from "../../lib/session.tsx";
import { useAsync } from "../../lib/useAsync.ts";
import { evalCell, useEvalColumn } from "./EvalColumn.tsx";
import { CATEGORIES, variantDetails, variantLabel, type Leaderboard } from "./types.ts";
import "./arena.css";

const fmt = (v: number | null) => (v == null ? "—" : v.toFixed(0));
/** Below this many votes a rating says little (about ±100 points at best): marked, not hidden. */
const PROVISIONAL = 30;

export function LeaderboardPage() {
  const user = useUser();
  const [styleControl, setStyleControl] = useState(false);
  const [category, setCategory] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [exportError, setExportError] = useState<unknown>();
  const query = new URLSearchParams({
    ...(styleControl ? { styleControl: "true" } : {}), ...(category ? { category } : {}), ...(from ? { from } : {}), ...(to ? { to } : {}),
  }).toString();
  const board = useAsync(() => api<Leaderboard>("GET", `/arena/leaderboard${query ? `?${query}` : ""}`), [query]);
  const rows = board.data?.rows ?? [];
  const groups = rows.some((r) => (r.group ?? 1) > 1);
  const evals = useEvalColumn();

  return (
    <div className="page arena">
      <div className="arena-head">
        <div>
          <h1>Leaderboard</h1>
          <p className="muted arena-intro">Ratings from your organisation's blind votes (Bradley-Terry, 95% bootstrap intervals). A rank counts only the models whose whole interval lies above.</p>
        </div>
        {user.role === "admin" ? (
          <button type="button" onClick={() => download(`/arena/export${query ? `?${query}` : ""}`, "arena-battles.jsonl").catch(setExportError)}>Export votes (JSONL)</button>
        ) : null}
      </div>
      <div className="row arena-filters">
        <label className="arena-check"><input type="checkbox" checked={styleControl} onChange={(e) => setStyleControl(e.target.checked)} /> Style control</label>
        <label>
          Category
          <select value={category} onChange={(e) => setCategory(e.target.value)}>
            <option value="">All categories</option>
            {CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        </label>
        <label>From<input type="date" value={from} onChange={(e) => setFrom(e.target.value)} /></label>
        <label>To<input type="date" value={to} onChange={(e) => setTo(e.target.value)} /></label>
        {evals.picker}
      </div>
      <ErrorText error={board.error ?? exportError ?? evals.error} />
      {board.data && !rows.length ? <div className="card"><p className="muted">No votes yet. Battles in the Arena fill this table.</p></div> : null}
      {rows.length ? (
        <div className="card arena-table-wrap">
          <table className="arena-table">
            <thead>
              <tr><th>Rank</th><th>Model</th><th>Variant</th><th>Rating</th><th>95% CI</th><th>Votes</th>{evals.column ? <th className="arena-eval" title="From eval runs, not from votes">{evals.column.label}</th> : null}</tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.model}:${r.variant?.id ?? ""}`}>
                  <td>{r.rank ?? "—"}{groups && r.group ? <> <span className="tag" title="models in different groups were never compared, even indirectly: ranks restart per group">group {r.group}</span></> : null}</td>
                  <td>{r.model}{r.votes > 0 && (r.provisional ?? r.votes < PROVISIONAL) ? <> <span className="tag" title={`fewer than ${PROVISIONAL} votes or a wide interval: provisional`}>provisional</span></> : null}</td>
                  <td title={variantDetails(r.variant)}>{variantLabel(r.variant)}</td>
                  <td>{fmt(r.rating)}</td>
                  <td className="arena-ci">{r.ciLow == null ? "—" : `${fmt(r.ciLow)} – ${fmt(r.ciHigh)}`}</td>
                  <td>{r.votes}</td>
                  {evals.column ? <td className="arena-eval">{evalCell(evals.column, r.model)}</td> : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {board.data?.style ? (
        <p className="muted">Style effects (positive: voters favoured more of it): {Object.entries(board.data.style).map(([k, v]) => `${k} ${v.toFixed(3)}`).join(", ")}.</p>
      ) : null}
    </div>
  );
}
