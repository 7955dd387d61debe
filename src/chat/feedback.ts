/** Private feedback events: thumbs, regenerations, edits and copies, each with the model and its parameters. */
import type { Db } from "../store/db.ts";
import { fromRow, isUuid } from "../store/repos/columns.ts";
import type { FeedbackKind, Thumbs } from "./feedbackKinds.ts";
import type { ChatParams } from "./types.ts";

export { FEEDBACK_KINDS, REASONS, type FeedbackKind, type Thumbs } from "./feedbackKinds.ts";

export interface FeedbackEvent {
  id: string; userId: string; messageId: string; model: string | null; params: ChatParams;
  kind: FeedbackKind; reasons: string[]; comment: string | null; createdAt: Date;
}

export class FeedbackRepo {
  constructor(private readonly db: Db) {}

  async record(e: { userId: string; messageId: string; model: string | null; params: ChatParams; kind: FeedbackKind; reasons?: string[]; comment?: string | null }): Promise<FeedbackEvent> {
    const row = await this.db.one(
      `INSERT INTO feedback_events (user_id, message_id, model, params, kind, reasons, comment) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [e.userId, e.messageId, e.model, JSON.stringify(e.params ?? {}), e.kind, e.reasons ?? [], e.comment ?? null],
    );
    return fromRow<FeedbackEvent>(row!);
  }

  /** The user's latest thumbs on each of these messages (the web app shows them as pressed). */
  async latestThumbs(userId: string, messageIds: string[]): Promise<Map<string, Thumbs>> {
    if (messageIds.length === 0) return new Map();
    const rows = await this.db.query<{ message_id: string; kind: Thumbs }>(
      `SELECT DISTINCT ON (message_id) message_id, kind FROM feedback_events
       WHERE user_id = $1 AND message_id = ANY($2::uuid[]) AND kind IN ('thumbs_up', 'thumbs_down')
       ORDER BY message_id, created_at DESC`,
      [userId, messageIds],
    );
    return new Map(rows.map((r) => [r.message_id, r.kind]));
  }

  /**
   * Admin view, newest first, with who gave it and the start of the message it is about;
   * unknown filter values simply match nothing.
   */
  async list(f: { kind?: string; model?: string; user?: string; limit?: number }): Promise<(FeedbackEvent & { userName: string; excerpt: string })[]> {
    if (f.user && !isUuid(f.user)) return [];
    const rows = await this.db.query(
      `SELECT f.*, u.display_name AS user_name, left(m.content, 300) AS excerpt
         FROM feedback_events f JOIN users u ON u.id = f.user_id JOIN messages m ON m.id = f.message_id
         WHERE ($1::text IS NULL OR f.kind = $1) AND ($2::text IS NULL OR f.model = $2)
         AND ($3::uuid IS NULL OR f.user_id = $3) ORDER BY f.created_at DESC LIMIT $4`,
      [f.kind || null, f.model || null, f.user || null, f.limit ?? 1000],
    );
    return rows.map((r) => fromRow(r));
  }
}
