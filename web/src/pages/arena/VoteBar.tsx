/** The four votes. Names stay hidden until one is cast. */
import type { Choice } from "./types.ts";

const VOTES: { choice: Choice; label: string; aria: string }[] = [
  { choice: "a", label: "A is better", aria: "Vote A" },
  { choice: "b", label: "B is better", aria: "Vote B" },
  { choice: "tie", label: "Tie", aria: "Tie" },
  { choice: "both_bad", label: "Both are bad", aria: "Both bad" },
];

export function VoteBar({ onVote, disabled }: { onVote: (c: Choice) => void; disabled: boolean }) {
  return (
    <div className="arena-votes" role="group" aria-label="Your vote">
      {VOTES.map((v) => (
        <button key={v.choice} type="button" aria-label={v.aria} disabled={disabled} onClick={() => onVote(v.choice)}>{v.label}</button>
      ))}
    </div>
  );
}
