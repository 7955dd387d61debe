/** Build a suite from answers people rated (feedback, admins only) or shared and liked (the feed). */
import { useState, type FormEvent } from "react";
import { ErrorText } from "../../components/ErrorText.tsx";
import { api } from "../../lib/api.ts";
import { useUser } from "../../lib/session.tsx";
import { useAction } from "../../lib/useAction.ts";
import type { SuiteListing } from "./types.ts";

export function BuildSuite({ onBuilt }: { onBuilt(s: SuiteListing): void }) {
  const user = useUser();
  const [from, setFrom] = useState<"feed" | "feedback">("feed");
  const [rating, setRating] = useState<"up" | "down">("up");
  const [minLikes, setMinLikes] = useState(1);
  const { busy, error, run } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const body = from === "feed" ? { from, minLikes } : { from, rating };
      const { suite } = await api<{ suite: SuiteListing }>("POST", "/evals/suites/build", body);
      onBuilt(suite);
    });
  };

  return (
    <details className="evals-import">
      <summary>Build a suite from feedback or the feed</summary>
      <form className="stack" onSubmit={submit}>
        <p className="muted evals-hint">Each rated or shared answer becomes a case: its conversation is the prompt; a liked answer is the reference (short ones matched, longer ones judged), a disliked one the answer to beat.</p>
        <div className="row">
          <label>Source
            <select value={from} onChange={(e) => setFrom(e.target.value as "feed" | "feedback")}>
              <option value="feed">Shared answers (Discover)</option>
              {user.role === "admin" ? <option value="feedback">Rated answers (feedback)</option> : null}
            </select>
          </label>
          {from === "feed"
            ? <label>Minimum likes<input type="number" min={0} value={minLikes} onChange={(e) => setMinLikes(Math.max(0, Number(e.target.value) || 0))} className="evals-narrow" /></label>
            : <label>Rating
                <select value={rating} onChange={(e) => setRating(e.target.value as "up" | "down")}>
                  <option value="up">Thumbs up</option>
                  <option value="down">Thumbs down</option>
                </select>
              </label>}
        </div>
        <ErrorText error={error} />
        <div className="row"><button type="submit" disabled={busy}>Build suite</button></div>
      </form>
    </details>
  );
}
