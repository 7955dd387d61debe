/** One side of a battle: its conversation, named "Model A"/"Model B" until the vote reveals it. */
import { memo } from "react";
import { Markdown } from "../../components/Markdown.tsx";
import type { Answer, Side, Turn } from "./types.ts";
import type { LiveTurn } from "./useBattle.ts";

const TurnView = memo(function TurnView({ prompt, answer, streaming }: { prompt: string; answer: Answer; streaming: boolean }) {
  return (
    <div className="arena-turn">
      <p className="arena-prompt">{prompt}</p>
      <div className="arena-answer">
        {answer.text ? <Markdown text={answer.text} streaming={streaming} /> : streaming ? <p className="muted">…</p> : null}
        {answer.stopped ? <span className="tag">stopped</span> : null}
        {answer.failed ? <span className="tag arena-failed">no answer</span> : null}
      </div>
    </div>
  );
});

export function BattlePane({ side, turns, live, name }: { side: Side; turns: Turn[]; live: LiveTurn | null; name?: string }) {
  const title = `Model ${side.toUpperCase()}`;
  return (
    <section className="arena-pane card" aria-label={title}>
      <h2 className="arena-pane-title">{title}{name ? <span className="arena-name"> · {name}</span> : null}</h2>
      {turns.map((t, i) => <TurnView key={i} prompt={t.prompt} answer={t[side]} streaming={false} />)}
      {live ? <TurnView prompt={live.prompt} answer={live[side]} streaming={!live[side].done} /> : null}
    </section>
  );
}
