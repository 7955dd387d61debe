/** Feedback: every thumbs, regeneration, edit and copy, filterable, exported as JSONL. */
import { useState } from "react";
import { useSearchParams } from "react-router";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api, download } from "../../lib/api.ts";
import { listModels } from "../../lib/models.ts";
import { useAsync } from "../../lib/useAsync.ts";
import { AdminTabs } from "./AdminTabs.tsx";
import { type AdminUser, FEEDBACK_KINDS, type FeedbackRow } from "./types.ts";

const FILTERS = ["kind", "model", "user"] as const;
const KIND_LABELS: Record<FeedbackRow["kind"], string> = {
  thumbs_up: "thumbs up", thumbs_down: "thumbs down", regenerate: "regenerate", edit: "edit", copy: "copy",
};
const PARAM_LABELS: Record<string, string> = { temperature: "temp", maxTokens: "max tokens", topP: "top p", seed: "seed" };

function params(p: Record<string, unknown>): string {
  return Object.entries(p ?? {}).map(([k, v]) => `${PARAM_LABELS[k] ?? k} ${String(v)}`).join(", ");
}

export function FeedbackPage() {
  const [search, setSearch] = useSearchParams();
  const query = new URLSearchParams();
  for (const f of FILTERS) { const v = search.get(f); if (v) query.set(f, v); }
  const qs = query.toString();
  const feedback = useAsync(() => api<{ feedback: FeedbackRow[] }>("GET", `/feedback${qs ? `?${qs}` : ""}`).then((r) => r.feedback), [qs]);
  const users = useAsync(() => api<{ users: AdminUser[] }>("GET", "/users").then((r) => r.users), []);
  const models = useAsync(() => listModels().then((ms) => ms.map((m) => m.name)), []);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<unknown>();

  const setFilter = (name: (typeof FILTERS)[number], value: string) => {
    // From the URL as it is now, not as this render saw it: two quick changes (one before the
    // page re-rendered) must both stay. BrowserRouter writes the URL at once.
    const next = new URLSearchParams(window.location.search);
    if (value) next.set(name, value); else next.delete(name);
    setSearch(next, { replace: true });
  };
  const model = search.get("model") ?? "";
  const modelChoices = model && !(models.data ?? []).includes(model) ? [model, ...(models.data ?? [])] : models.data ?? [];

  async function exportJsonl() {
    setExporting(true);
    try {
      await download(`/feedback/export${qs ? `?${qs}` : ""}`, "feedback.jsonl");
      setExportError(undefined);
    } catch (err) {
      setExportError(err);
    } finally {
      setExporting(false);
    }
  }

  const rows = feedback.data;
  return (
    <div className="page admin">
      <AdminTabs />
      <section className="card admin-section" aria-labelledby="admin-feedback-title">
        <h2 id="admin-feedback-title">Feedback</h2>
        <p className="muted admin-note">Kept on this server only: what people thought of answers, with the model and its parameters.</p>
        <div className="admin-filters" role="search" aria-label="Filter feedback">
          <label>Kind
            <select value={search.get("kind") ?? ""} onChange={(e) => setFilter("kind", e.target.value)}>
              <option value="">All kinds</option>
              {FEEDBACK_KINDS.map((k) => <option key={k} value={k}>{KIND_LABELS[k]}</option>)}
            </select>
          </label>
          <label>Model
            <select value={model} onChange={(e) => setFilter("model", e.target.value)}>
              <option value="">All models</option>
              {modelChoices.map((m) => <option key={m} value={m}>{m}</option>)}
            </select>
          </label>
          <label>User
            <select value={search.get("user") ?? ""} onChange={(e) => setFilter("user", e.target.value)}>
              <option value="">All users</option>
              {(users.data ?? []).map((u) => <option key={u.id} value={u.id}>{u.displayName} ({u.email})</option>)}
            </select>
          </label>
          <span className="admin-spacer" />
          <button type="button" disabled={exporting} onClick={exportJsonl}>Export JSONL</button>
        </div>
        <ErrorText error={feedback.error ?? exportError} />
        {rows ? <p className="muted admin-count" role="status">{rows.length} {rows.length === 1 ? "event" : "events"}</p> : null}
        {rows && rows.length === 0 ? <p className="admin-empty">No feedback matches these filters.</p> : null}
        {rows && rows.length > 0 ? (
          <table className="admin-table admin-feedback">
            <thead><tr><th>When</th><th>User</th><th>Kind</th><th>Model</th><th>Message</th><th>Reasons</th><th>Comment</th><th>Params</th></tr></thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id}>
                  <td data-label="When" className="muted admin-nowrap">{new Date(r.createdAt).toLocaleString(undefined, { dateStyle: "short", timeStyle: "short" })}</td>
                  <td data-label="User">{r.userName}</td>
                  <td data-label="Kind"><span className={`tag admin-kind-${r.kind}`}>{KIND_LABELS[r.kind] ?? r.kind}</span></td>
                  <td data-label="Model">{r.model ?? "—"}</td>
                  {/* Model output is untrusted: shown as plain text. */}
                  <td data-label="Message"><div className="admin-excerpt" title={r.excerpt}>{r.excerpt}</div></td>
                  <td data-label="Reasons">{r.reasons.length ? r.reasons.map((x) => <span key={x} className="tag">{x.replace("_", " ")}</span>) : <span className="muted">—</span>}</td>
                  <td data-label="Comment">{r.comment || <span className="muted">—</span>}</td>
                  <td data-label="Params" className="muted">{params(r.params) || "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}
