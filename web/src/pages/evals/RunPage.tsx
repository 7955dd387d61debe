/** One run: live progress per model while it goes on, cancel and resume, then the comparison. */
import { useCallback, useEffect, useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import { Comparison } from "./Comparison.tsx";
import { finished, type RunView, type Summary } from "./types.ts";
import "./evals.css";

const POLL_MS = 1000;

export function RunPage() {
  const { id = "" } = useParams();
  const [data, setData] = useState<{ run: RunView; summary: Summary }>();
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setData(await api<{ run: RunView; summary: Summary }>("GET", `/evals/runs/${id}`));
      setError(undefined);
    } catch (e) {
      setError(e);
    }
  }, [id]);

  useEffect(() => { void load(); }, [load]);
  // Poll while the run goes on; stop once it has settled.
  const running = data ? !finished(data.run.status) : false;
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => void load(), POLL_MS);
    return () => clearInterval(t);
  }, [running, load]);

  async function act(what: "cancel" | "resume") {
    setBusy(true);
    try {
      await api("POST", `/evals/runs/${id}/${what}`, {});
      await load();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  if (!data) return <div className="page evals"><ErrorText error={error} />{error ? null : <p className="loading">Loading…</p>}</div>;
  const { run, summary } = data;
  return (
    <div className="page evals">
      <p><Link to="/evals">← All evals</Link></p>
      <div className="evals-head">
        <div>
          <h1>{run.suiteName}</h1>
          <p className="muted">{run.models.join(" vs ")}{run.options.judge ? ` · judge ${run.options.judge}` : ""}</p>
        </div>
        <div className="row">
          <span className={`evals-status evals-status-${run.status}`} aria-label="Run status">{run.status}</span>
          {running ? <button type="button" className="danger" disabled={busy} onClick={() => void act("cancel")}>Cancel run</button> : null}
          {run.status !== "running" && run.status !== "succeeded" ? <button type="button" disabled={busy} onClick={() => void act("resume")}>Resume run</button> : null}
        </div>
      </div>
      <ErrorText error={error} />
      {run.error ? <p className="error" role="alert">This run failed: {run.error}</p> : null}
      <section className="card stack" aria-labelledby="evals-progress">
        <h2 id="evals-progress">Progress</h2>
        {run.progress.map((p) => (
          <div key={p.model} className="evals-progress">
            <span className="evals-progress-name">{p.model}</span>
            <div className="evals-progress-track" role="progressbar" aria-label={`${p.model} progress`} aria-valuemin={0} aria-valuemax={p.total} aria-valuenow={p.done}>
              <div className="evals-progress-fill" style={{ width: `${p.total ? (100 * p.done) / p.total : 0}%` }} />
            </div>
            <span className="muted">{p.done}/{p.total}</span>
          </div>
        ))}
      </section>
      {summary.models.length ? <Comparison runId={run.id} summary={summary} final={!running} /> : null}
    </div>
  );
}
