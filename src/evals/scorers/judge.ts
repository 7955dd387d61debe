/**
 * LLM-as-judge. Single-answer grading asks for "Score: N" against a rubric. Pairwise comparison
 * asks twice with the answers swapped, because judges favour a position: only a verdict that
 * survives the swap counts, anything else is a tie.
 */
import { invalid } from "../../errors.ts";
import type { ChatMessage } from "../../runtime/types.ts";
import { caseMessages, type EvalCase } from "../suite.ts";
import type { ScoreContext, Scorer } from "./types.ts";

async function ask(ctx: ScoreContext, judge: string, prompt: string): Promise<string> {
  const backend = await ctx.gateway.resolve(judge);
  const messages: ChatMessage[] = [{ role: "user", content: prompt }];
  return (await backend.chat(messages, { temperature: 0, maxTokens: 256, signal: ctx.signal })).text;
}

const question = (c: EvalCase) => caseMessages(c).filter((m) => m.role === "user").map((m) => m.content).join("\n\n");

const N = String.raw`(\d+(?:\.\d+)?)`;
/** Explicit scores only: "Score: 8", "rating of 8", "8/10", "8 out of 10", "give it 8", "rate it 8", or a reply that is just "8". */
const SCORE_PATTERNS = [
  new RegExp(String.raw`\b(?:score|rating)\s*(?:is|of|[:=])?\s*\**\s*${N}`, "gi"),
  new RegExp(String.raw`${N}\s*(?:\/|out of)\s*(\d+)`, "gi"),
  new RegExp(String.raw`\b(?:give|rate|score)\s+(?:it|this|the answer)\s+(?:a\s+|an\s+)?${N}`, "gi"),
  new RegExp(String.raw`^\s*${N}\s*\.?\s*$`, "g"),
];

/**
 * The last explicit score in the reply (a judge reasons first and concludes last, so "7*8=56.
 * I'd give it 2" is 2), or undefined when there is none or it is outside 1..max.
 */
export function parseScore(text: string, max: number): number | undefined {
  let last: { at: number; n: number } | undefined;
  for (const re of SCORE_PATTERNS) for (const m of text.matchAll(re)) {
    if (m[2] !== undefined && Number(m[2]) !== max) continue; // "3/5" is not a score on a 1-10 scale
    if (!last || m.index >= last.at) last = { at: m.index, n: Number(m[1]) };
  }
  return last && last.n >= 1 && last.n <= max ? last.n : undefined;
}

export const gradePrompt = (q: string, answer: string, rubric: string, max: number) =>
  `You are grading an answer.\nRubric: ${rubric}\n\nQuestion:\n${q}\n\nAnswer:\n${answer}\n\n` +
  `Reply with a one-line reason, then "Score: N" where N is an integer from 1 to ${max}.`;

/** options: rubric, judge (model name; default the run's judge, else the model under test), max (default 10). Score = N / max. */
export const judge: Scorer = async (c, out, ctx) => {
  const max = Number(c.scorer.options.max ?? 10);
  const rubric = String(c.scorer.options.rubric ?? (c.expected ? `A correct answer is: ${c.expected}` : "Is the answer correct, helpful and concise?"));
  const who = String(c.scorer.options.judge ?? ctx.judge ?? ctx.model);
  const reply = await ask(ctx, who, gradePrompt(question(c), out, rubric, max));
  const n = parseScore(reply, max);
  // Unscored, not failed: one unparsable reply should not stop (or, at temperature 0, block the resume of) a run.
  if (n === undefined) return { score: 0, detail: { judge: who, rating: null, unscored: true, reply: reply.slice(0, 500) } };
  return { score: n / max, detail: { judge: who, rating: n } };
};

export type Verdict = "A" | "B" | "tie";

export function parseVerdict(text: string): Verdict {
  const m = /verdict\s*[:=]?\s*\**\s*(A|B|tie)\b/i.exec(text) ?? /^\s*\**\s*(A|B|tie)\b/i.exec(text);
  if (!m) return "tie";
  const v = m[1].toUpperCase();
  return v === "TIE" ? "tie" : (v as Verdict);
}

const pairPrompt = (q: string, a: string, b: string, rubric: string) =>
  `Compare two answers to the same question.\nCriteria: ${rubric}\n\nQuestion:\n${q}\n\n[Answer A]\n${a}\n\n[Answer B]\n${b}\n\n` +
  `Reply with a one-line reason, then "Verdict: A", "Verdict: B" or "Verdict: tie".`;

/** Judges x against y in both orders: "x" or "y" only when both orders agree, else "tie". */
export async function comparePair(ctx: ScoreContext, who: string, q: string, x: string, y: string, rubric: string) {
  const first = parseVerdict(await ask(ctx, who, pairPrompt(q, x, y, rubric)));
  const second = parseVerdict(await ask(ctx, who, pairPrompt(q, y, x, rubric)));
  const xFirst = first === "A" ? "x" : first === "B" ? "y" : "tie";
  const xSecond = second === "B" ? "x" : second === "A" ? "y" : "tie";
  return { winner: xFirst === xSecond ? xFirst : "tie", verdicts: [first, second] } as const;
}

/** options: reference (the answer to beat), rubric, judge. Win 1, tie 0.5, loss 0. */
export const pairwise: Scorer = async (c, out, ctx) => {
  const reference = c.scorer.options.reference ?? c.expected;
  if (typeof reference !== "string") throw invalid(`case ${c.id}: pairwise scorer needs options.reference or expected`);
  const who = String(c.scorer.options.judge ?? ctx.judge ?? ctx.model);
  const rubric = String(c.scorer.options.rubric ?? "Which answer is more correct and helpful?");
  const r = await comparePair(ctx, who, question(c), out, reference, rubric);
  return { score: r.winner === "x" ? 1 : r.winner === "tie" ? 0.5 : 0, detail: { judge: who, verdicts: r.verdicts } };
};
