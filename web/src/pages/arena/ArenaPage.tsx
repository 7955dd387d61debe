/**
 * The Arena: a prompt goes to two anonymous models whose answers stream side by side; follow-ups
 * go to both; one vote reveals who was who. /arena/:id reopens one of the user's battles.
 */
import { useEffect, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ErrorText } from "../../components/ErrorText.tsx";
import { BattlePane } from "./BattlePane.tsx";
import { NewBattle } from "./NewBattle.tsx";
import { RecentBattles } from "./RecentBattles.tsx";
import { Reveal } from "./Reveal.tsx";
import { useBattle } from "./useBattle.ts";
import { VoteBar } from "./VoteBar.tsx";
import "./arena.css";

const MAX_TURNS = 8;

export function ArenaPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const b = useBattle();
  const [followUp, setFollowUp] = useState("");
  const battle = b.battle;

  useEffect(() => {
    if (id && battle?.id !== id) void b.load(id);
    if (!id && battle && !b.busy) b.reset();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  const start = (prompt: string, kind: "" | "local" | "upstream") =>
    void b.start(prompt, kind, (created) => navigate(`/arena/${created.id}`, { replace: true }));
  const sendFollowUp = () => {
    if (!followUp.trim()) return;
    void b.followUp(followUp);
    setFollowUp("");
  };
  const active = battle !== null || b.live !== null;
  const canVote = battle !== null && !battle.voted && battle.turns.length > 0 && !b.busy;

  return (
    <div className="page arena">
      <div className="arena-head">
        <div>
          <h1>Arena</h1>
          <p className="muted arena-intro">Two anonymous models answer the same prompt. Vote for the better answer; only then do you see who they were.</p>
        </div>
        <Link to="/leaderboard">Leaderboard</Link>
      </div>

      {!active ? <NewBattle onStart={start} busy={b.busy} /> : null}
      <ErrorText error={b.error} />

      {active ? (
        <>
          <div className="arena-panes">
            <BattlePane side="a" turns={battle?.turns ?? []} live={b.live} name={battle?.models?.a.name} />
            <BattlePane side="b" turns={battle?.turns ?? []} live={b.live} name={battle?.models?.b.name} />
          </div>
          {b.busy ? <div className="row"><span className="muted">Both models are answering…</span><button type="button" onClick={() => void b.stop()}>Stop</button></div> : null}
          {canVote ? (
            <>
              <VoteBar onVote={(c) => void b.vote(c)} disabled={b.busy} />
              {battle.turns.length < MAX_TURNS ? (
                <form className="row arena-follow" onSubmit={(e) => { e.preventDefault(); sendFollowUp(); }}>
                  <label className="arena-follow-label">
                    Follow-up
                    <textarea rows={2} value={followUp} placeholder="Ask both models something more" onChange={(e) => setFollowUp(e.target.value)} />
                  </label>
                  <button type="submit" disabled={!followUp.trim()}>Send to both</button>
                </form>
              ) : null}
            </>
          ) : null}
          {battle?.voted ? (
            <>
              <Reveal battle={battle} onChange={b.setBattle} />
              <div className="row">
                <button type="button" className="primary" onClick={() => { b.reset(); navigate("/arena"); }}>New battle</button>
                <Link to="/leaderboard">See the leaderboard</Link>
              </div>
            </>
          ) : null}
        </>
      ) : <RecentBattles />}
    </div>
  );
}
