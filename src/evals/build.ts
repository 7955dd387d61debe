/**
 * Suites built from what users already said: answers they rated (feedback) or shared and liked
 * (the feed). Each becomes a case whose prompt is the conversation up to that answer. A liked
 * answer is the reference: short ones are matched (normalised), longer ones graded by a judge
 * against it. A disliked answer is the one to beat: pairwise, both orders, win = 1.
 */
import type { App } from "../app.ts";
import { invalid } from "../errors.ts";
import { contextOf, pathTo } from "../chat/tree.ts";
import type { Message } from "../chat/types.ts";
import { suiteId, type EvalCase, type Suite } from "./suite.ts";
import type { BUILD_SCORERS } from "./buildScorers.ts";

export { BUILD_SCORERS } from "./buildScorers.ts";

export interface BuildOptions {
  from: "feedback" | "feed";
  /** feedback: thumbs up (default) or down. */
  rating?: "up" | "down";
  /** feedback: keep answers whose feedback names any of these reasons (the events' tags). */
  tags?: string[];
  /** Only answers this model gave. */
  model?: string;
  /** feed: at least this many likes (default 1). */
  minLikes?: number;
  scorer?: (typeof BUILD_SCORERS)[number];
  /** Most cases (default 500): the newest feedback, the most-liked shares. */
  limit?: number;
  name?: string;
}

/** Answers up to this length on one line are matched rather than judged. */
const SHORT = 60;

interface Source { id: string; answer: Message; prior: Message[]; systemPrompt: string | null; tags: string[] }

export async function buildSuite(app: Pick<App, "db" | "chat">, o: BuildOptions): Promise<Suite> {
  const rating = o.rating ?? "up";
  if (o.from === "feed" && o.rating === "down") throw invalid("the feed has likes only: --rating down needs --from feedback", "rating");
  if (rating === "down" && ["normalized", "exact", "judge"].includes(o.scorer ?? "auto")) {
    throw invalid("a disliked answer is no reference to match: use the pairwise scorer (the default)", "scorer");
  }
  const limit = o.limit ?? 500;
  const sources = o.from === "feedback" ? await fromFeedback(app, rating, o, limit) : await fromFeed(app, o, limit);
  const cases = sources.map((s) => toCase(s, rating, o.scorer ?? "auto"));
  if (!cases.length) throw invalid(`no ${o.from === "feed" ? "shared answers" : `answers rated ${rating}`} match these filters`);
  const day = new Date().toISOString().slice(0, 10);
  return { id: suiteId(cases), name: o.name ?? (o.from === "feed" ? `feed-${day}` : `feedback-${rating}-${day}`), cases };
}

function toCase(s: Source, rating: "up" | "down", scorer: NonNullable<BuildOptions["scorer"]>): EvalCase {
  const turns = s.prior.map((m) => ({ role: m.role, content: m.content }));
  const base = turns.length === 1 && !s.systemPrompt
    ? { prompt: turns[0].content }
    : { messages: [...(s.systemPrompt ? [{ role: "system" as const, content: s.systemPrompt }] : []), ...turns] };
  const answer = s.answer.content;
  const kind = scorer !== "auto" ? scorer
    : rating === "down" ? "pairwise"
    : answer.length <= SHORT && !answer.includes("\n") ? "normalized" : "judge";
  const options: Record<string, unknown> = kind === "judge"
    ? { rubric: `A good answer agrees in substance with this reference answer, which users liked:\n${answer}` }
    : kind === "pairwise" && rating === "down" ? { rubric: "Which answer is more correct and helpful? Answer B was rated poorly by users." }
    : {};
  return {
    id: s.id, ...base, expected: answer, scorer: { type: kind, options },
    tags: [...s.tags, ...(s.answer.model ? [`model:${s.answer.model}`] : [])],
  };
}

/** The newest thumbs per answer decides its rating; stopped or failed (partial) answers are skipped. */
async function fromFeedback(app: Pick<App, "db" | "chat">, rating: "up" | "down", o: BuildOptions, limit: number): Promise<Source[]> {
  const rows = await app.db.query<any>(
    `SELECT * FROM (
       SELECT DISTINCT ON (f.message_id) f.message_id, f.kind, f.reasons, f.created_at, m.conversation_id, c.system_prompt
       FROM feedback_events f JOIN messages m ON m.id = f.message_id JOIN conversations c ON c.id = m.conversation_id
       WHERE f.kind IN ('thumbs_up', 'thumbs_down') AND m.role = 'assistant' AND NOT m.stopped AND m.error IS NULL
       ORDER BY f.message_id, f.created_at DESC) latest
     WHERE kind = $1 ORDER BY created_at DESC`, [rating === "up" ? "thumbs_up" : "thumbs_down"]);
  const want = new Set(o.tags ?? []);
  const out: Source[] = [];
  for (const r of rows) {
    if (out.length >= limit) break;
    const reasons: string[] = r.reasons ?? [];
    if (want.size && !reasons.some((x) => want.has(x))) continue;
    const s = await branch(app, r.conversation_id, r.message_id, o.model);
    if (s) out.push({ ...s, id: `feedback-${r.message_id}`, systemPrompt: r.system_prompt, tags: ["feedback", `rating:${rating}`, ...reasons] });
  }
  return out;
}

/** Shared answers (or a shared conversation's last answer as shared), most-liked first. */
async function fromFeed(app: Pick<App, "db" | "chat">, o: BuildOptions, limit: number): Promise<Source[]> {
  const rows = await app.db.query<any>(
    `SELECT s.id, s.message_id, COALESCE(s.conversation_id, m.conversation_id) AS conversation_id,
            COALESCE(s.message_id, s.leaf_id) AS leaf, c.system_prompt, count(l.user_id)::int AS likes
     FROM shares s LEFT JOIN messages m ON m.id = s.message_id
       JOIN conversations c ON c.id = COALESCE(s.conversation_id, m.conversation_id)
       LEFT JOIN share_likes l ON l.share_id = s.id
     GROUP BY s.id, m.conversation_id, c.system_prompt
     HAVING count(l.user_id) >= $1 ORDER BY likes DESC, s.created_at DESC`, [o.minLikes ?? 1]);
  const out: Source[] = [];
  for (const r of rows) {
    if (out.length >= limit) break;
    const s = r.leaf && await branch(app, r.conversation_id, r.leaf, o.model);
    if (s) out.push({ ...s, id: `feed-${r.id}`, systemPrompt: r.system_prompt, tags: ["feed", `likes:${r.likes}`] });
  }
  return out;
}

/** The last answer on the branch ending at `leaf` with the turns before it; none without a prompt or from another model. */
async function branch(app: Pick<App, "chat">, conversationId: string, leaf: string, model?: string): Promise<Pick<Source, "answer" | "prior"> | undefined> {
  const path = pathTo(await app.chat.repo.messages(conversationId), leaf);
  let at = path.length - 1;
  while (at >= 0 && !(path[at].role === "assistant" && !path[at].stopped && !path[at].error)) at--;
  if (at < 1 || (model && path[at].model !== model)) return undefined;
  return { answer: path[at], prior: contextOf(path.slice(0, at)) };
}
