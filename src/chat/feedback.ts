/** Private feedback events: thumbs, regenerations, edits and copies, each with the model and its parameters. */
import type { Db } from "../store/db.ts";
import { fromRow, isUuid } from "../store/repos/columns.ts";
import type { ChatParams } from "./types.ts";

export const FEEDBACK_KINDS = ["thumbs_up", "thumbs_down", "regenerate", "edit", "copy"] as const;
export const REASONS = ["wrong", "unhelpful", "unsafe", "too_long", "flattering", "other"] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];

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

  /** Admin view; unknown filter values simply match nothing. */
  async list(f: { kind?: string; model?: string; user?: string; limit?: number }): Promise<FeedbackEvent[]> {
    if (f.user && !isUuid(f.user)) return [];
    const rows = await this.db.query(
      `SELECT * FROM feedback_events WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR model = $2)
         AND ($3::uuid IS NULL OR user_id = $3) ORDER BY created_at DESC LIMIT $4`,
      [f.kind ?? null, f.model ?? null, f.user ?? null, f.limit ?? 1000],
    );
    return rows.map((r) => fromRow<FeedbackEvent>(r));
  }
}
