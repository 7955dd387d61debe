/** The `battles` table: stored arena battles and their votes. */
import type { Db } from "../store/db.ts";
import { fromRow, toColumns } from "../store/repos/columns.ts";
import type { Winner } from "./pairs.ts";

export interface Battle {
  id: string;
  createdAt: Date;
  userId: string | null;
  prompt: string;
  modelA: string;
  modelB: string;
  variantA: Record<string, unknown>;
  variantB: Record<string, unknown>;
  answerA: string;
  answerB: string;
  category: string | null;
  winner: Winner | null;
  counted: boolean;
  flags: Record<string, unknown>;
}

export type NewBattle = Pick<Battle, "prompt" | "modelA" | "modelB"> & Partial<Omit<Battle, "prompt" | "modelA" | "modelB">>;
export interface BattleFilter { category?: string; from?: Date; to?: Date }

const FIELDS = [
  "id", "createdAt", "userId", "prompt", "modelA", "modelB", "variantA", "variantB", "answerA", "answerB",
  "category", "winner", "counted", "flags",
] as const;
const JSON_FIELDS = ["variantA", "variantB", "flags"];

export class BattlesRepo {
  constructor(private readonly db: Db) {}

  async insert(rec: NewBattle): Promise<Battle> {
    const { columns, params } = toColumns(rec, FIELDS, JSON_FIELDS);
    const sql = `INSERT INTO battles (${columns.join(", ")}) VALUES (${params.map((_, i) => `$${i + 1}`).join(", ")}) RETURNING *`;
    return fromRow<Battle>((await this.db.query(sql, params))[0]);
  }

  /** Battles in creation order, optionally filtered by category and [from, to). */
  async list(filter: BattleFilter = {}): Promise<Battle[]> {
    const where: string[] = [], params: unknown[] = [];
    if (filter.category !== undefined) { params.push(filter.category); where.push(`category = $${params.length}`); }
    if (filter.from) { params.push(filter.from); where.push(`created_at >= $${params.length}`); }
    if (filter.to) { params.push(filter.to); where.push(`created_at < $${params.length}`); }
    const sql = `SELECT * FROM battles ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY created_at, id`;
    return (await this.db.query(sql, params)).map((r) => fromRow<Battle>(r));
  }

  /** Every model that ever battled, whatever the filter: none can be hidden after a bad result. */
  async allModels(): Promise<string[]> {
    const rows = await this.db.query<{ m: string }>(
      "SELECT model_a AS m FROM battles UNION SELECT model_b FROM battles ORDER BY 1");
    return rows.map((r) => r.m);
  }
}
