/** The `conversations` and `messages` tables. Every read takes the owner, so ownership is checked in SQL. */
import type { Db } from "../store/db.ts";
import { fromRow, isUuid, storableText } from "../store/repos/columns.ts";
import type { ChatParams, Conversation, Message } from "./types.ts";

const conv = (r: Record<string, unknown>) => fromRow<Conversation>(r);
const msg = (r: Record<string, unknown>) => fromRow<Message>(r);

export class ChatRepo {
  constructor(private readonly db: Db) {}

  async create(c: { ownerId: string; title: string; model: string; systemPrompt?: string | null; params?: ChatParams }): Promise<Conversation> {
    const row = await this.db.one(
      "INSERT INTO conversations (owner_id, title, model, system_prompt, params) VALUES ($1, $2, $3, $4, $5) RETURNING *",
      [c.ownerId, c.title, c.model, c.systemPrompt ?? null, JSON.stringify(c.params ?? {})],
    );
    return conv(row!);
  }

  /** Titles and message content, case-insensitive; `%`/`_` in the query are literal. */
  async list(ownerId: string, q?: string): Promise<Conversation[]> {
    if (!q) return (await this.db.query("SELECT * FROM conversations WHERE owner_id = $1 ORDER BY updated_at DESC", [ownerId])).map(conv);
    const like = `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const rows = await this.db.query(
      `SELECT * FROM conversations c WHERE owner_id = $1 AND (title ILIKE $2 OR EXISTS
         (SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content ILIKE $2)) ORDER BY updated_at DESC`,
      [ownerId, like],
    );
    return rows.map(conv);
  }

  async get(ownerId: string, id: string): Promise<Conversation | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one("SELECT * FROM conversations WHERE id = $1 AND owner_id = $2", [id, ownerId]);
    return row && conv(row);
  }

  async update(ownerId: string, id: string, p: { title?: string; model?: string; systemPrompt?: string | null; params?: ChatParams }): Promise<Conversation | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one(
      `UPDATE conversations SET title = coalesce($3, title), model = coalesce($4, model),
         system_prompt = CASE WHEN $5::boolean THEN $6 ELSE system_prompt END, params = coalesce($7::jsonb, params), updated_at = now()
       WHERE id = $1 AND owner_id = $2 RETURNING *`,
      [id, ownerId, p.title ?? null, p.model ?? null, p.systemPrompt !== undefined, p.systemPrompt ?? null, p.params ? JSON.stringify(p.params) : null],
    );
    return row && conv(row);
  }

  async remove(ownerId: string, id: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    return (await this.db.query("DELETE FROM conversations WHERE id = $1 AND owner_id = $2 RETURNING id", [id, ownerId])).length > 0;
  }

  async setLeaf(id: string, leaf: string): Promise<void> {
    await this.db.query("UPDATE conversations SET current_leaf = $2, updated_at = now() WHERE id = $1", [id, leaf]);
  }

  async messages(conversationId: string): Promise<Message[]> {
    return (await this.db.query("SELECT * FROM messages WHERE conversation_id = $1 ORDER BY created_at, id", [conversationId])).map(msg);
  }

  /** A message only when its conversation belongs to `ownerId`. */
  async message(ownerId: string, id: string): Promise<Message | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one(
      "SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.id = $1 AND c.owner_id = $2",
      [id, ownerId],
    );
    return row && msg(row);
  }

  async addMessage(m: Omit<Message, "id" | "createdAt" | "stopped" | "reasoning" | "error"> & { reasoning?: string | null; stopped?: boolean; error?: string | null }): Promise<Message> {
    const row = await this.db.one(
      `INSERT INTO messages (conversation_id, parent_id, role, content, reasoning, model, params, stopped, error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [m.conversationId, m.parentId, m.role, storableText(m.content), m.reasoning == null ? null : storableText(m.reasoning), m.model, JSON.stringify(m.params ?? {}), m.stopped ?? false, m.error ?? null],
    );
    return msg(row!);
  }
}
