/** Start a run: a suite, the models to compare, concurrency and an optional judge. */
import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import type { ModelInfo } from "../../lib/models.ts";
import type { RunView, SuiteListing } from "./types.ts";

export function StartRun({ suites, models, suiteId, onSuite }: { suites: SuiteListing[]; models: ModelInfo[]; suiteId: string; onSuite(id: string): void }) {
  const navigate = useNavigate();
  const [picked, setPicked] = useState<string[]>([]);
  const [concurrency, setConcurrency] = useState(2);
  const [judge, setJudge] = useState("");
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const toggle = (name: string, on: boolean) => setPicked((p) => (on ? [...p, name] : p.filter((m) => m !== name)));

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      const { run } = await api<{ run: RunView }>("POST", "/evals/runs", { suite: suiteId, models: picked, concurrency, ...(judge ? { judge } : {}) });
      navigate(`/evals/runs/${run.id}`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  }

  return (
    <section className="card" aria-labelledby="evals-start">
      <h2 id="evals-start">Start a run</h2>
      <form className="stack" onSubmit={submit}>
        <label>Suite
          <select value={suiteId} onChange={(e) => onSuite(e.target.value)}>
            {suites.map((s) => <option key={s.id} value={s.id}>{s.name} ({s.cases} cases)</option>)}
          </select>
        </label>
        <fieldset className="evals-models">
          <legend>Models to compare</legend>
          {models.length ? models.map((m) => (
            <label key={m.name} className="evals-check">
              <input type="checkbox" checked={picked.includes(m.name)} onChange={(e) => toggle(m.name, e.target.checked)} />
              {m.name} <span className="tag">{m.kind}</span>
            </label>
          )) : <p className="muted">No models yet.</p>}
        </fieldset>
        <div className="row">
          <label>Concurrency<input type="number" min={1} max={16} value={concurrency} onChange={(e) => setConcurrency(Math.max(1, Number(e.target.value) || 1))} className="evals-narrow" /></label>
          <label>Judge model
            <select value={judge} onChange={(e) => setJudge(e.target.value)}>
              <option value="">The model under test</option>
              {models.map((m) => <option key={m.name} value={m.name}>{m.name}</option>)}
            </select>
          </label>
        </div>
        <ErrorText error={error} />
        <div className="row"><button type="submit" className="primary" disabled={busy || !suiteId || !picked.length}>Start run</button></div>
      </form>
    </section>
  );
}
