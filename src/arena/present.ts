/**
 * What a voter may see of a battle. Before the vote: the prompts and the answer texts, nothing
 * else (no names, no variants, no timing, no error texts: each could give a side away). After
 * the vote: everything, with the verdict on whether the vote counted.
 */
import type { Winner } from "./pairs.ts";
import type { Battle, Side } from "./votes.ts";

export const CHOICES = ["a", "b", "tie", "both_bad"] as const;
export type Choice = (typeof CHOICES)[number];

const TO_WINNER: Record<Choice, Winner> = { a: "model_a", b: "model_b", tie: "tie", both_bad: "tie (bothbad)" };
const TO_CHOICE: Record<Winner, Choice> = { model_a: "a", model_b: "b", tie: "tie", "tie (bothbad)": "both_bad" };
export const winnerOf = (c: Choice): Winner => TO_WINNER[c];

interface BlindAnswer { text: string; stopped: boolean; failed: boolean }

export interface BattleView {
  id: string;
  createdAt: Date;
  category: string | null;
  categorySource: string;
  turns: { prompt: string; a: BlindAnswer; b: BlindAnswer }[];
  voted: boolean;
  /** The rest only after the vote. */
  choice?: Choice;
  votedAt?: Date | null;
  counted?: boolean;
  flags?: Record<string, unknown>;
  models?: Record<Side, { name: string; variant: Record<string, unknown> }>;
  timing?: Battle["timing"];
  /** How the pair was drawn (strategy, pool, candidates), for anyone auditing the sampling. */
  draw?: Record<string, unknown>;
  errors?: Partial<Record<Side, string[]>>;
}

export function present(b: Battle): BattleView {
  const blind = (x: Battle["turns"][number]["a"]): BlindAnswer => ({ text: x.text, stopped: x.stopped, failed: x.error !== undefined });
  const view: BattleView = {
    id: b.id, createdAt: b.createdAt, category: b.category, categorySource: b.categorySource,
    turns: b.turns.map((t) => ({ prompt: t.prompt, a: blind(t.a), b: blind(t.b) })), voted: b.winner !== null,
  };
  if (b.winner === null) return view;
  const errors = (side: Side) => b.turns.flatMap((t) => (t[side].error ? [t[side].error] : []));
  return {
    ...view, choice: TO_CHOICE[b.winner], votedAt: b.votedAt, counted: b.counted, flags: b.flags,
    models: { a: { name: b.modelA, variant: b.variantA }, b: { name: b.modelB, variant: b.variantB } },
    timing: b.timing, draw: b.draw, errors: { a: errors("a"), b: errors("b") },
  };
}
