/** The user's runs (an admin's: everyone's), newest first, with their progress. */
import { Link } from "react-router";
import type { RunView } from "./types.ts";

export function RunsCard({ runs }: { runs: RunView[] }) {
  return (
    <section className="card stack" aria-labelledby="evals-runs">
      <h2 id="evals-runs">Runs</h2>
      {runs.length ? (
        <div className="evals-scroll">
          <table className="evals-table">
            <thead><tr><th>Suite</th><th>Models</th><th>Status</th><th>Done</th><th>Started</th></tr></thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.id}>
                  <td><Link to={`/evals/runs/${r.id}`}>{r.suiteName}</Link></td>
                  <td>{r.models.join(", ")}</td>
                  <td><span className={`evals-status evals-status-${r.status}`}>{r.status}</span></td>
                  <td>{r.done}/{r.total}</td>
                  <td className="muted">{new Date(r.createdAt).toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : <p className="muted">No runs yet.</p>}
    </section>
  );
}
