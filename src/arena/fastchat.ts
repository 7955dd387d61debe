/**
 * Votes as JSONL in FastChat's battle-log layout (clean_battle_data.py output), so data moves
 * between Freehold and FastChat tooling. Freehold-only fields ride along under their own names.
 */
import { invalid } from "../errors.ts";
import type { Winner } from "./pairs.ts";
import type { Battle, NewBattle, SideAnswer, Turn as BattleTurn } from "./votes.ts";

type Turn = { role: string; content: string };
const WINNERS = new Set(["model_a", "model_b", "tie", "tie (bothbad)"]);

export function toFastChat(b: Battle): string {
  const conv = (side: "a" | "b"): Turn[] => b.turns?.length
    ? b.turns.flatMap((t) => [{ role: "user", content: t.prompt }, { role: "assistant", content: t[side].text }])
    : [{ role: "user", content: b.prompt }, { role: "assistant", content: side === "a" ? b.answerA : b.answerB }];
  return JSON.stringify({
    question_id: b.questionId ?? b.id, model_a: b.modelA, model_b: b.modelB, winner: b.winner,
    tstamp: new Date(b.createdAt).getTime() / 1000, judge: b.userId ?? "", conversation_a: conv("a"),
    conversation_b: conv("b"), turn: Math.max(1, b.turns?.length ?? 0), anony: b.counted, language: typeof b.flags.language === "string" ? b.flags.language : "unknown",
    category: b.category, variant_a: b.variantA, variant_b: b.variantB, flags: b.flags,
  });
}

/** Parses a whole file; any bad line fails the import, naming every bad line number. */
export function parseFastChat(text: string): NewBattle[] {
  const out: NewBattle[] = [], errors: string[] = [];
  text.split("\n").forEach((line, i) => {
    if (!line.trim()) return;
    try {
      out.push(fromFastChat(JSON.parse(line)));
    } catch (e) {
      errors.push(`line ${i + 1}: ${(e as Error).message}`);
    }
  });
  if (errors.length) throw invalid(`cannot import ${errors.length} line(s):\n${errors.slice(0, 20).join("\n")}`);
  return out;
}

function fromFastChat(r: unknown): NewBattle {
  if (typeof r !== "object" || r === null || Array.isArray(r)) throw new Error("not a JSON object");
  const o = r as Record<string, unknown>;
  for (const f of ["model_a", "model_b"]) if (typeof o[f] !== "string" || !o[f]) throw new Error(`'${f}' must be a non-empty string`);
  if (o.model_a === o.model_b) throw new Error("'model_a' and 'model_b' must be different models");
  // A battle log holds votes: a line without one would be stored as a battle nobody voted on.
  if (!WINNERS.has(o.winner as string)) throw new Error(`'winner' must be model_a, model_b, tie or tie (bothbad)`);
  const created = typeof o.tstamp === "number" ? new Date(o.tstamp * 1000) : undefined;
  if (o.tstamp != null && (!created || Number.isNaN(created.getTime()) || created.getTime() < 0))
    throw new Error("'tstamp' must be a number of unix seconds (a date from 1970 on)");
  if (o.question_id != null && !(typeof o.question_id === "string" && o.question_id) && typeof o.question_id !== "number")
    throw new Error("'question_id' must be a non-empty string");
  const nul = nulPath(o, "");
  if (nul !== undefined) throw new Error(`'${nul || "(key)"}' contains a NUL character (\\u0000), which cannot be stored`);
  const a = conversation(o.conversation_a, "conversation_a"), b = conversation(o.conversation_b, "conversation_b");
  const obj = (v: unknown) => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  return {
    modelA: o.model_a as string, modelB: o.model_b as string, winner: (o.winner ?? null) as Winner | null,
    createdAt: created, questionId: o.question_id == null ? null : String(o.question_id),
    userId: typeof o.judge === "string" && o.judge ? o.judge : null,
    prompt: a.prompt || b.prompt, answerA: a.answer, answerB: b.answer, turns: turnsOf(o.conversation_a as Turn[] | undefined, o.conversation_b as Turn[] | undefined),
    category: typeof o.category === "string" ? o.category : null,
    // FastChat only counts anonymous battles: a vote cast with names shown is kept but not counted.
    counted: o.anony !== false,
    variantA: obj(o.variant_a), variantB: obj(o.variant_b), flags: { ...obj(o.flags), imported: true, ...(typeof o.language === "string" ? { language: o.language } : {}) },
  };
}

/** The path of the first string (value or key) holding U+0000, which PostgreSQL text refuses; undefined if none. */
function nulPath(v: unknown, path: string): string | undefined {
  if (typeof v === "string") return v.includes("\u0000") ? path : undefined;
  if (typeof v !== "object" || v === null) return undefined;
  for (const [k, x] of Object.entries(v)) {
    const p = Array.isArray(v) ? `${path}[${k}]` : path ? `${path}.${k}` : k;
    if (k.includes("\u0000")) return p;
    const found = nulPath(x, p);
    if (found !== undefined) return found;
  }
  return undefined;
}

function conversation(v: unknown, name: string): { prompt: string; answer: string } {
  if (v === undefined) return { prompt: "", answer: "" };
  if (!Array.isArray(v) || !v.every((t) => typeof t?.role === "string" && typeof t?.content === "string"))
    throw new Error(`'${name}' must be a list of {role, content}`);
  const turns = v as Turn[];
  return {
    prompt: turns.find((t) => t.role === "user")?.content ?? "",
    answer: turns.filter((t) => t.role === "assistant").map((t) => t.content).join("\n\n"),
  };
}

/** Pairs each side's user/assistant messages into battle turns (both sides saw the same prompts). */
function turnsOf(a: Turn[] = [], b: Turn[] = []): BattleTurn[] {
  const answers = (conv: Turn[]) => {
    const out: { prompt: string; text: string }[] = [];
    for (const t of conv) {
      if (t.role === "user") out.push({ prompt: t.content, text: "" });
      else if (t.role === "assistant" && out.length) out[out.length - 1].text += t.content;
    }
    return out;
  };
  const xa = answers(a), xb = answers(b);
  const side = (text: string): SideAnswer => ({ text, stopped: false, timing: { ttftMs: null, durationMs: 0, tokens: 0, promptTokens: 0 } });
  return Array.from({ length: Math.max(xa.length, xb.length) }, (_, i) => ({
    prompt: xa[i]?.prompt ?? xb[i]?.prompt ?? "", a: side(xa[i]?.text ?? ""), b: side(xb[i]?.text ?? ""),
  }));
}
