/** Feedback kinds and thumbs-down reasons, dependency-free so the web app can import them too. */
export const FEEDBACK_KINDS = ["thumbs_up", "thumbs_down", "regenerate", "edit", "copy"] as const;
export const REASONS = ["wrong", "unhelpful", "unsafe", "too_long", "flattering", "other"] as const;
export type FeedbackKind = (typeof FEEDBACK_KINDS)[number];
export type Thumbs = "thumbs_up" | "thumbs_down";
