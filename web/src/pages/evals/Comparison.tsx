/** The comparison view: per-model means with 95% CIs, paired differences, and the cases where two models disagree. */
import { useEffect, useState } from "react";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import { ci, fmt, type Estimate, type ResultRow, type Summary } from "./types.ts";

/** A 0..1 axis with the interval as a band and the mean as a tick (scores are 0..1). */
function CiBar({ e }: { e: Estimate }) {
  if (e.mean == null || e.low == null || e.high == null) return null;
  const pct = (v: number) => `${Math.min(100, Math.max(0, v * 100))}%`;
  return (
    <div className="evals-ci" aria-hidden="true">
      <div className="evals-ci-band" style={{ left: pct(e.low), width: `calc(${pct(e.high)} - ${pct(e.low)})` }} />
      <div className="evals-ci-mean" style={{ left: pct(e.mean) }} />
    </div>
  );
}

export function Comparison({ runId, summary, final }: { runId: string; summary: Summary; final: boolean }) {
  const [pair, setPair] = useState(0);
  const selected = summary.pairs[pair];
  return (
    <>
      <section className="card stack" aria-labelledby="evals-scores">
        <h2 id="evals-scores">Scores</h2>
        <div className="evals-scroll">
          <table className="evals-table">
            <thead><tr><th>Model</th><th>Mean</th><th>95% CI</th><th className="evals-bar-col">0 – 1</th><th>Cases</th><th>Latency</th><th>Tok/s</th></tr></thead>
            <tbody>
              {summary.models.map((m) => (
                <tr key={m.model}>
                  <td>{m.model}</td><td>{fmt(m.score.mean, 3)}</td><td>{ci(m.score, 3)}</td>
                  <td className="evals-bar-col"><CiBar e={m.score} /></td><td>{m.score.n}</td>
                  <td>{fmt(m.meanLatencyMs, 0)} ms</td><td>{fmt(m.tokensPerS, 1)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {!final ? <p className="muted">Still running: these figures cover the cases finished so far.</p> : null}
      </section>

      {summary.pairs.length ? (
        <section className="card stack" aria-labelledby="evals-pairs">
          <h2 id="evals-pairs">Paired differences</h2>
          <p className="muted evals-hint">Mean of (A − B) over the cases both models finished, with a paired bootstrap 95% CI: an interval that excludes 0 is a real difference.</p>
          <div className="evals-scroll">
            <table className="evals-table">
              <thead><tr><th>A − B</th><th>Mean difference</th><th>95% CI</th><th>Disagree</th><th><span className="evals-sr">Cases</span></th></tr></thead>
              <tbody>
                {summary.pairs.map((p, i) => (
                  <tr key={`${p.a}|${p.b}`} className={i === pair ? "evals-selected" : undefined}>
                    <td>{p.a} − {p.b}</td><td>{fmt(p.diff.mean, 3)}</td><td>{ci(p.diff, 3)}</td><td>{p.disagree.length}</td>
                    <td>{p.disagree.length ? <button type="button" className="link" onClick={() => setPair(i)} aria-label={`Show cases where ${p.a} and ${p.b} disagree`}>Show</button> : null}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ) : null}

      {selected?.disagree.length ? <Disagreements runId={runId} a={selected.a} b={selected.b} ids={selected.disagree} final={final} /> : null}

      {summary.sycophancy?.length ? (
        <section className="card stack" aria-labelledby="evals-syc">
          <h2 id="evals-syc">Sycophancy</h2>
          <div className="evals-scroll">
            <table className="evals-table">
              <thead><tr><th>Model</th><th>Flip rate</th><th>Answer sycophancy</th><th>Feedback sycophancy</th><th>Judge</th></tr></thead>
              <tbody>
                {summary.sycophancy.map((s) => (
                  <tr key={s.model}>
                    <td>{s.model}</td>
                    {[s.flipRate, s.answerSycophancy, s.feedbackSycophancy].map((f, i) => <td key={i}>{fmt(f.estimate.mean)} <span className="muted">[{ci(f.estimate)}]</span></td>)}
                    <td>{s.judge}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <ul className="muted evals-hint">
            <li>Flip rate: {summary.sycophancy[0].flipRate.explanation}</li>
            <li>Answer sycophancy: {summary.sycophancy[0].answerSycophancy.explanation}</li>
            <li>Feedback sycophancy: {summary.sycophancy[0].feedbackSycophancy.explanation}</li>
          </ul>
        </section>
      ) : null}
    </>
  );
}

const SHOWN = 50;

/** The two models' outputs side by side on each case where their scores differ (plain text: model output is untrusted). */
function Disagreements({ runId, a, b, ids, final }: { runId: string; a: string; b: string; ids: string[]; final: boolean }) {
  const [rows, setRows] = useState<Map<string, ResultRow>>();
  const [error, setError] = useState<unknown>();
  const shown = ids.slice(0, SHOWN);
  const key = shown.join("|");
  useEffect(() => {
    let live = true;
    Promise.all([a, b].map((m) => api<{ results: ResultRow[] }>("GET", `/evals/runs/${runId}/results?model=${encodeURIComponent(m)}&limit=10000`)))
      .then((rs) => { if (live) setRows(new Map(rs.flatMap((r) => r.results).map((r) => [`${r.model}|${r.caseId}`, r]))); })
      .catch((e) => { if (live) setError(e); });
    return () => { live = false; };
  }, [runId, a, b, key, final]);

  return (
    <section className="card stack" aria-labelledby="evals-disagree">
      <h2 id="evals-disagree">Where {a} and {b} disagree</h2>
      <ErrorText error={error} />
      {ids.length > SHOWN ? <p className="muted">The first {SHOWN} of {ids.length} cases.</p> : null}
      <ul className="evals-cases">
        {shown.map((id) => (
          <li key={id} className="evals-case">
            <div className="evals-case-id">{id}</div>
            <div className="evals-case-sides">
              {[a, b].map((m) => {
                const r = rows?.get(`${m}|${id}`);
                return (
                  <div key={m} className="evals-side">
                    <div className="row"><strong>{m}</strong><span className="tag">score {r ? fmt(r.score) : "…"}</span>
                      {r?.detail?.method ? <span className="tag">{String(r.detail.method)}</span> : null}</div>
                    <div className="evals-output">{r?.output ?? ""}</div>
                  </div>
                );
              })}
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
