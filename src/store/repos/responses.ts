/** The `responses` table: Responses API answers kept for `previous_response_id` and retrieval, per owner. */
import type { ChatMessage } from "../../runtime/types.ts";
import type { Db } from "../db.ts";
import { storableText } from "./columns.ts";

export interface StoredResponse {
  id: string;
  owner: string;
  conversation: ChatMessage[];
  inputItems: unknown[];
  response: Record<string, unknown>;
}

/** JSON for a jsonb column: NUL, which models emit and PostgreSQL cannot store, as U+FFFD. */
const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "string" ? storableText(x) : x));

/** How long stored answers are kept unless config.json says otherwise: OpenAI's 30 days. */
export const DEFAULT_RETENTION_DAYS = 30;

export class ResponsesRepo {
  /** `retentionDays`: older answers are neither returned nor continued, and `purge` deletes them. */
  constructor(private readonly db: Db, private readonly retentionDays = DEFAULT_RETENTION_DAYS) {}

  /** Deletes answers past the retention period; returns how many. */
  async purge(): Promise<number> {
    return (await this.db.query("DELETE FROM responses WHERE created_at < now() - make_interval(secs => $1) RETURNING id", [this.retentionDays * 86_400])).length;
  }

  async insert(r: StoredResponse): Promise<void> {
    await this.db.query(
      "INSERT INTO responses (id, owner, conversation, input_items, response) VALUES ($1, $2, $3, $4, $5)",
      [r.id, r.owner, json(r.conversation), json(r.inputItems), json(r.response)],
    );
  }

  /** Someone else's response is not found, as a missing one: ids are not secrets to probe. */
  async get(id: string, owner: string): Promise<StoredResponse | undefined> {
    const row = await this.db.one<{ id: string; owner: string; conversation: ChatMessage[]; input_items: unknown[]; response: Record<string, unknown> }>(
      "SELECT id, owner, conversation, input_items, response FROM responses WHERE id = $1 AND owner = $2 AND created_at >= now() - make_interval(secs => $3)",
      [id, owner, this.retentionDays * 86_400]);
    return row && { id: row.id, owner: row.owner, conversation: row.conversation, inputItems: row.input_items, response: row.response };
  }

  async remove(id: string, owner: string): Promise<boolean> {
    return (await this.db.query("DELETE FROM responses WHERE id = $1 AND owner = $2 RETURNING id", [id, owner])).length > 0;
  }
}
