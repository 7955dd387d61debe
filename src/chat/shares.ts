/** The discover feed: shared answers or conversations, liked by others, removable by their author only. */
import { invalid, notFound } from "../errors.ts";
import type { Db } from "../store/db.ts";
import { fromRow, isUuid } from "../store/repos/columns.ts";
import type { ChatRepo } from "./repo.ts";
import { pathTo } from "./tree.ts";

export interface FeedItem {
  id: string; ownerId: string; authorName: string; messageId: string | null; conversationId: string | null;
  /** A shared conversation's last message when it was shared: later turns, edits and regenerations stay private. */
  leafId: string | null;
  createdAt: Date; likes: number; likedByMe: boolean;
  /** What is shared: messages never change once stored, so the path to the shared leaf is a snapshot. */
  messages: { role: string; content: string; model: string | null }[];
}

export class SharesService {
  constructor(private readonly db: Db, private readonly chat: ChatRepo) {}

  /**
   * Shares one answer (with its prompt) or a conversation's active branch as it is now. Sharing
   * the same thing again returns the existing share, so a double click never posts it twice; for
   * a conversation it then shows the branch as it is at that second share.
   */
  async share(ownerId: string, target: { messageId?: string; conversationId?: string }): Promise<{ id: string }> {
    let leafId: string | null = null;
    if (target.messageId) {
      const m = await this.chat.message(ownerId, target.messageId);
      if (!m) throw notFound("message not found");
      if (m.role !== "assistant") throw invalid("only an answer can be shared; share the conversation to include prompts");
    } else {
      const c = target.conversationId ? await this.chat.get(ownerId, target.conversationId) : undefined;
      if (!c) throw notFound("conversation not found");
      if (!c.currentLeaf) throw invalid("the conversation has no messages to share yet");
      leafId = c.currentLeaf;
    }
    const messageId = target.messageId ?? null, conversationId = target.messageId ? null : target.conversationId!;
    const existing = await this.db.one<{ id: string }>(
      `UPDATE shares SET leaf_id = $3 WHERE owner_id = $1 AND ${messageId ? "message_id = $2" : "conversation_id = $2"} RETURNING id`,
      [ownerId, messageId ?? conversationId, leafId],
    );
    if (existing) return existing;
    const row = await this.db.one<{ id: string }>(
      "INSERT INTO shares (owner_id, message_id, conversation_id, leaf_id) VALUES ($1, $2, $3, $4) RETURNING id",
      [ownerId, messageId, conversationId, leafId],
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

  private async content(s: { messageId: string | null; leafId: string | null }) {
    const leaf = s.messageId ?? s.leafId;
    if (!leaf) return []; // shared (before snapshots) while it had no messages
    const convId = (await this.db.one<{ conversation_id: string }>("SELECT conversation_id FROM messages WHERE id = $1", [leaf]))?.conversation_id;
    if (!convId) return [];
    const path = pathTo(await this.chat.messages(convId), leaf);
    // A shared answer shows with its prompt; a shared conversation shows its branch as it was shared.
    return (s.messageId ? path.slice(-2) : path).map((m) => ({ role: m.role, content: m.content, model: m.model }));
  }
}
