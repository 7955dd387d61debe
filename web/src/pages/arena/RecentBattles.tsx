/** The user's recent battles: reopen one to vote on it or see who was who. */
import { Link } from "react-router";
import { api } from "../../lib/api.ts";
import { useAsync } from "../../lib/useAsync.ts";
import type { Battle } from "./types.ts";

export function RecentBattles() {
  const list = useAsync(() => api<{ battles: Battle[] }>("GET", "/arena/battles?limit=10"), []);
  const battles = (list.data?.battles ?? []).filter((b) => b.turns.length);
  if (!battles.length) return null;
  return (
    <section className="card arena-recent">
      <h2>Your recent battles</h2>
      <ul>
        {battles.map((b) => (
          <li key={b.id}>
            <Link to={`/arena/${b.id}`}>{b.turns[0].prompt.slice(0, 90)}</Link>{" "}
            <span className="tag">{b.category ?? "other"}</span>{" "}
            <span className="muted">{b.voted ? `${b.models!.a.name} vs ${b.models!.b.name}` : "not voted yet"}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
