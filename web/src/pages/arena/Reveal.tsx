/** After the vote: who was who, with the exact variants, and whether the vote counted (and why not). */
import { useState } from "react";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import { useUser } from "../../lib/session.tsx";
import { CATEGORIES, variantDetails, variantLabel, type Battle, type Side } from "./types.ts";

const CHOICE_TEXT = { a: "A is better", b: "B is better", tie: "Tie", both_bad: "Both are bad" } as const;
const REASONS: Record<string, string> = {
  leaked_identity: "an answer named its model or maker before the vote",
  empty_answer: "a side gave no answer",
  rate_limited: "you voted more often than the vote limit allows",
};

export function Reveal({ battle, onChange }: { battle: Battle; onChange: (b: Battle) => void }) {
  const user = useUser();
  const [error, setError] = useState<unknown>();
  const models = battle.models!;
  const leaked = battle.flags?.leakedIdentity ?? {};
  const setCategory = async (category: string) => {
    try { onChange((await api<{ battle: Battle }>("PUT", `/arena/battles/${battle.id}/category`, { category })).battle); }
    catch (err) { setError(err); }
  };
  const side = (s: Side) => {
    const t = battle.timing?.[s];
    return (
      <li key={s}>
        <strong>Model {s.toUpperCase()}</strong> was <strong className="arena-reveal-name">{models[s].name}</strong>{" "}
        <span className="tag" title={variantDetails(models[s].variant)}>{variantLabel(models[s].variant)}</span>
        {t ? <span className="muted arena-timing"> {t.tokens} tokens{t.ttftMs != null ? `, first token after ${Math.round(t.ttftMs)} ms` : ""}</span> : null}
        {leaked[s]?.length ? <span className="arena-leak"> named: {leaked[s]!.join(", ")}</span> : null}
      </li>
    );
  };
  return (
    <div className="card arena-reveal" role="status">
      <h2>Your vote: {battle.choice ? CHOICE_TEXT[battle.choice] : "—"}</h2>
      <ul>{side("a")}{side("b")}</ul>
      {battle.counted ? <p className="arena-counted">Counted on the leaderboard.</p> : (
        <p className="arena-not-counted">Not counted: {(battle.flags?.notCounted ?? []).map((r) => REASONS[r] ?? r).join("; ")}.</p>
      )}
      <div className="row">
        <span className="muted">Category:</span>
        {user.role === "admin" ? (
          <select aria-label="Category" value={battle.category ?? "other"} onChange={(e) => void setCategory(e.target.value)}>
            {CATEGORIES.map((c) => <option key={c} value={c}>{c}</option>)}
          </select>
        ) : <span className="tag">{battle.category ?? "other"}</span>}
        {battle.categorySource === "admin" ? <span className="muted">(corrected by an admin)</span> : null}
      </div>
      <ErrorText error={error} />
    </div>
  );
}
