/** The `battles` table: stored arena battles, their turns and their votes. */
import type { Db } from "../store/db.ts";
import { fromRow, isUuid, toColumns } from "../store/repos/columns.ts";
import type { Winner } from "./pairs.ts";

export type Side = "a" | "b";

export interface SideTiming {
  /** Wall clock from the request to the first streamed text, as the voter waited for it. */
  ttftMs: number | null;
  durationMs: number;
  tokens: number;
  promptTokens: number;
}

export interface SideAnswer { text: string; stopped: boolean; error?: string; timing: SideTiming }
export interface Turn { prompt: string; a: SideAnswer; b: SideAnswer }

export type CategorySource = "auto" | "admin" | "import";

export interface Battle {
  id: string;
  createdAt: Date;
  userId: string | null;
  /** The first prompt; follow-ups live in `turns`. */
  prompt: string;
  modelA: string;
  modelB: string;
  variantA: Record<string, unknown>;
  variantB: Record<string, unknown>;
  /** Every answer of a side, joined by blank lines (what style control and FastChat's import read). */
  answerA: string;
  answerB: string;
  category: string | null;
  categorySource: CategorySource;
  winner: Winner | null;
  votedAt: Date | null;
  counted: boolean;
  flags: Record<string, unknown>;
  turns: Turn[];
  timing: Partial<Record<Side, SideTiming>>;
  draw: Record<string, unknown>;
  /** The original FastChat question_id of an imported battle; null for battles fought here. */
  questionId: string | null;
}

export type NewBattle = Pick<Battle, "prompt" | "modelA" | "modelB"> & Partial<Omit<Battle, "prompt" | "modelA" | "modelB">>;
export interface BattleFilter { category?: string; from?: Date; to?: Date }

const FIELDS = [
  "id", "createdAt", "userId", "prompt", "modelA", "modelB", "variantA", "variantB", "answerA", "answerB",
  "category", "categorySource", "winner", "votedAt", "counted", "flags", "turns", "timing", "draw", "questionId",
] as const;
const JSON_FIELDS = ["variantA", "variantB", "flags", "turns", "timing", "draw"];

export class BattlesRepo {
  constructor(private readonly db: Db) {}

  async insert(rec: NewBattle): Promise<Battle> {
    // A battle stored with its vote (an import) was voted when it was made.
    const votedAt = rec.votedAt ?? (rec.winner ? rec.createdAt ?? new Date() : undefined);
    const { columns, params } = toColumns({ ...rec, votedAt }, FIELDS, JSON_FIELDS);
    const sql = `INSERT INTO battles (${columns.join(", ")}) VALUES (${params.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING *`;
    return fromRow<Battle>((await this.db.query(sql, params))[0]);
  }

  async get(id: string): Promise<Battle | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one("SELECT * FROM battles WHERE id = $1", [id]);
    return row && fromRow<Battle>(row);
  }

  /** Battles in creation order, optionally filtered by category and [from, to); `voted` keeps only voted ones. */
  async list(filter: BattleFilter & { voted?: boolean } = {}): Promise<Battle[]> {
    const where: string[] = [], params: unknown[] = [];
    if (filter.category !== undefined) { params.push(filter.category); where.push(`category = $${params.length}`); }
    if (filter.from) { params.push(filter.from); where.push(`created_at >= $${params.length}`); }
    if (filter.to) { params.push(filter.to); where.push(`created_at < $${params.length}`); }
    if (filter.voted) where.push("winner IS NOT NULL");
    const sql = `SELECT * FROM battles ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, id`;
    return (await this.db.query(sql, params)).map((r) => fromRow<Battle>(r));
  }

  /** Which of these FastChat question_ids are stored already, as a battle's question_id or its own id. */
  async knownQuestionIds(ids: string[]): Promise<Set<string>> {
    if (!ids.length) return new Set();
    const rows = await this.db.query<{ q: string }>(
      `SELECT question_id AS q FROM battles WHERE question_id = ANY($1::text[])
       UNION SELECT id::text FROM battles WHERE id::text = ANY($1::text[])`, [ids]);
    return new Set(rows.map((r) => r.q));
  }

  /** Newest first; one user's battles, or everyone's when `userId` is null. */
  async recent(userId: string | null, limit: number): Promise<Battle[]> {
    const rows = userId === null
      ? await this.db.query("SELECT * FROM battles ORDER BY created_at DESC, id DESC LIMIT $1", [limit])
      : await this.db.query("SELECT * FROM battles WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2", [userId, limit]);
    return rows.map((r) => fromRow<Battle>(r));
  }

  /**
   * Every model variant that ever received a vote, whatever the filter: none can be hidden after
   * a bad result. Unvoted battles stay out, or the list would name a battle's models before its vote.
   */
  async allVariants(): Promise<{ model: string; variant: Record<string, unknown> }[]> {
    return this.db.query(
      `SELECT model_a AS model, variant_a AS variant FROM battles WHERE winner IS NOT NULL
       UNION SELECT model_b, variant_b FROM battles WHERE winner IS NOT NULL ORDER BY 1`);
  }

  /** Stores a finished turn; the joined answers follow the turns. */
  async saveTurns(id: string, turns: Turn[], timing: Battle["timing"]): Promise<Battle> {
    const join = (s: Side) => turns.map((t) => t[s].text).join("\n\n");
    const row = await this.db.one(
      "UPDATE battles SET turns = $2, timing = $3, answer_a = $4, answer_b = $5 WHERE id = $1 RETURNING *",
      [id, JSON.stringify(turns), JSON.stringify(timing), join("a"), join("b")]);
    return fromRow<Battle>(row!);
  }

  /** Records the vote unless one is there already (undefined then): two racing votes cannot both land. */
  async recordVote(id: string, winner: Winner, counted: boolean, flags: Record<string, unknown>): Promise<Battle | undefined> {
    const row = await this.db.one(
      "UPDATE battles SET winner = $2, counted = $3, flags = $4, voted_at = now() WHERE id = $1 AND winner IS NULL RETURNING *",
      [id, winner, counted, JSON.stringify(flags)]);
    return row && fromRow<Battle>(row);
  }

  async setCategory(id: string, category: string, source: CategorySource): Promise<Battle | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one("UPDATE battles SET category = $2, category_source = $3 WHERE id = $1 RETURNING *", [id, category, source]);
    return row && fromRow<Battle>(row);
  }

  /** Votes this user cast in the last `seconds` (imports excluded: they were cast elsewhere). */
  async votesSince(userId: string, seconds: number): Promise<number> {
    const row = await this.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM battles WHERE user_id = $1 AND voted_at > now() - make_interval(secs => $2)
       AND NOT (flags ? 'imported')`, [userId, seconds]);
    return row?.n ?? 0;
  }

  /** How many battles each unordered pair of models has had, keyed "a\nb" with a < b. */
  async pairCounts(): Promise<Map<string, number>> {
    const rows = await this.db.query<{ x: string; y: string; n: number }>(
      `SELECT LEAST(model_a, model_b) AS x, GREATEST(model_a, model_b) AS y, count(*)::int AS n
       FROM battles WHERE model_a <> model_b GROUP BY 1, 2`);
    return new Map(rows.map((r) => [pairKey(r.x, r.y), r.n]));
  }
}

export const pairKey = (x: string, y: string) => (x < y ? `${x}\n${y}` : `${y}\n${x}`);
