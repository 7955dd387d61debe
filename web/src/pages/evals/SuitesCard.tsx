/** The suites the user can run: built-in, imported, built from feedback or the feed; and the forms that add them. */
import { useState, type FormEvent } from "react";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import { useAction } from "../../lib/useAction.ts";
import { BuildSuite } from "./BuildSuite.tsx";
import type { SuiteListing } from "./types.ts";

export function SuitesCard({ suites, onImported }: { suites: SuiteListing[]; onImported(s: SuiteListing): void }) {
  const [name, setName] = useState("");
  const [jsonl, setJsonl] = useState("");
  const { busy, error, run } = useAction(); // import errors are line-numbered: "suite.jsonl:3: expected: ..."

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const { suite } = await api<{ suite: SuiteListing }>("POST", "/evals/suites", { name: name.trim() || "suite.jsonl", jsonl });
      setJsonl(""); setName("");
      onImported(suite);
    });
  };

  async function readFile(file: File | undefined) {
    if (!file) return;
    setJsonl(await file.text());
    if (!name) setName(file.name);
  }

  return (
    <section className="card stack" aria-labelledby="evals-suites">
      <h2 id="evals-suites">Suites</h2>
      <table className="evals-table">
        <thead><tr><th>Name</th><th>Source</th><th>Cases</th></tr></thead>
        <tbody>
          {suites.map((s) => (
            <tr key={s.id}><td>{s.name}</td><td><span className="tag">{s.source}</span></td><td>{s.cases}</td></tr>
          ))}
        </tbody>
      </table>
      <details className="evals-import">
        <summary>Import a suite (JSONL)</summary>
        <form className="stack" onSubmit={submit}>
          <p className="muted evals-hint">One case a line, e.g. <code>{'{"id":"q1","prompt":"2+2?","expected":"4","scorer":{"type":"numeric"}}'}</code>. Scorers: exact, normalized, regex, choice, numeric, json_schema, judge, pairwise, sycophancy.</p>
          <label>Suite name<input value={name} onChange={(e) => setName(e.target.value)} placeholder="suite.jsonl" /></label>
          <label>Cases (JSONL)<textarea rows={6} value={jsonl} onChange={(e) => setJsonl(e.target.value)} spellCheck={false} className="evals-mono" /></label>
          <label>Or a file<input type="file" accept=".jsonl,.ndjson,.txt,application/x-ndjson" onChange={(e) => void readFile(e.target.files?.[0])} /></label>
          <ErrorText error={error} />
          <div className="row"><button type="submit" className="primary" disabled={busy || !jsonl.trim()}>Import suite</button></div>
        </form>
      </details>
      <BuildSuite onBuilt={onImported} />
    </section>
  );
}
