/** The discover feed: shared answers or conversations, liked by others, removable by their author only. */
import { invalid, notFound } from "../errors.ts";
import type { Db } from "../store/db.ts";
import { fromRow, isUuid } from "../store/repos/columns.ts";
import type { ChatRepo } from "./repo.ts";
import { pathTo } from "./tree.ts";

export interface FeedItem {
  id: string; ownerId: string; authorName: string; messageId: string | null; conversationId: string | null;
  createdAt: Date; likes: number; likedByMe: boolean;
  /** Snapshot of what is shared, read live so an edit or deletion shows at once. */
  messages: { role: string; content: string; model: string | null }[];
}

export class SharesService {
  constructor(private readonly db: Db, private readonly chat: ChatRepo) {}

  /**
   * Shares one answer (with its prompt) or a whole conversation the user owns. Sharing the same
   * thing again returns the existing share, so a double click never posts it twice.
   */
  async share(ownerId: string, target: { messageId?: string; conversationId?: string }): Promise<{ id: string }> {
    if (target.messageId) {
      const m = await this.chat.message(ownerId, target.messageId);
      if (!m) throw notFound("message not found");
      if (m.role !== "assistant") throw invalid("only an answer can be shared; share the conversation to include prompts");
    } else if (!target.conversationId || !(await this.chat.get(ownerId, target.conversationId))) throw notFound("conversation not found");
    const messageId = target.messageId ?? null, conversationId = target.messageId ? null : target.conversationId!;
    const existing = await this.db.one<{ id: string }>(
      `SELECT id FROM shares WHERE owner_id = $1 AND ${messageId ? "message_id = $2" : "conversation_id = $2"}`,
      [ownerId, messageId ?? conversationId],
    );
    if (existing) return existing;
    const row = await this.db.one<{ id: string }>(
      "INSERT INTO shares (owner_id, message_id, conversation_id) VALUES ($1, $2, $3) RETURNING id",
      [ownerId, messageId, conversationId],
    );
    return row!;
  }

  async unshare(ownerId: string, id: string): Promise<void> {
    const ok = isUuid(id) && (await this.db.query("DELETE FROM shares WHERE id = $1 AND owner_id = $2 RETURNING id", [id, ownerId])).length > 0;
    if (!ok) throw notFound("share not found");
  }

  /** Toggles the user's like; returns whether it is now liked. */
  async like(userId: string, id: string): Promise<{ liked: boolean; likes: number }> {
    if (!isUuid(id) || !(await this.db.one("SELECT 1 FROM shares WHERE id = $1", [id]))) throw notFound("share not found");
    const removed = await this.db.query("DELETE FROM share_likes WHERE share_id = $1 AND user_id = $2 RETURNING share_id", [id, userId]);
    if (removed.length === 0) await this.db.query("INSERT INTO share_likes (share_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", [id, userId]);
    const n = await this.db.one<{ n: string }>("SELECT count(*) AS n FROM share_likes WHERE share_id = $1", [id]);
    return { liked: removed.length === 0, likes: Number(n!.n) };
  }

  async feed(userId: string, sort: "new" | "top", limit = 50): Promise<FeedItem[]> {
    const order = sort === "top" ? "likes DESC, s.created_at DESC" : "s.created_at DESC";
    const rows = await this.db.query(
      `SELECT s.*, u.display_name AS author_name,
         (SELECT count(*) FROM share_likes l WHERE l.share_id = s.id)::int AS likes,
         EXISTS (SELECT 1 FROM share_likes l WHERE l.share_id = s.id AND l.user_id = $1) AS liked_by_me
       FROM shares s JOIN users u ON u.id = s.owner_id ORDER BY ${order} LIMIT $2`,
      [userId, limit],
    );
    return Promise.all(rows.map(async (r) => {
      const s = fromRow<Omit<FeedItem, "messages">>(r);
      return { ...s, messages: await this.content(s) };
    }));
  }

  private async content(s: { messageId: string | null; conversationId: string | null }) {
    const convId = s.conversationId ?? (await this.db.one<{ conversation_id: string }>("SELECT conversation_id FROM messages WHERE id = $1", [s.messageId]))?.conversation_id;
    if (!convId) return [];
    const all = await this.chat.messages(convId);
    const leaf = s.messageId ?? (await this.db.one<{ current_leaf: string | null }>("SELECT current_leaf FROM conversations WHERE id = $1", [convId]))?.current_leaf ?? null;
    const path = pathTo(all, leaf);
    // A shared answer shows with its prompt; a shared conversation shows its whole active branch.
    return (s.messageId ? path.slice(-2) : path).map((m) => ({ role: m.role, content: m.content, model: m.model }));
  }
}
