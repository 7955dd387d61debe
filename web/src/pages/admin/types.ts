/** Shapes of the admin API's answers (src/accounts/types.ts, src/chat/feedback.ts), dates as strings. */
export type Role = "admin" | "member";

export interface AdminUser {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  disabled: boolean;
  createdAt: string;
}

export const FEEDBACK_KINDS = ["thumbs_up", "thumbs_down", "regenerate", "edit", "copy"] as const;

export interface FeedbackRow {
  id: string;
  userId: string;
  userName: string;
  messageId: string;
  model: string | null;
  params: Record<string, unknown>;
  kind: (typeof FEEDBACK_KINDS)[number];
  reasons: string[];
  comment: string | null;
  excerpt: string;
  createdAt: string;
}
