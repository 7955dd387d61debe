/** The arena's wire shapes (src/arena/present.ts BattleView, src/arena/leaderboard.ts), dates as strings. */
export type Side = "a" | "b";
export type Choice = "a" | "b" | "tie" | "both_bad";
export const CATEGORIES = ["coding", "maths", "writing", "other"] as const;

export interface Answer { text: string; stopped: boolean; failed: boolean }
export interface Turn { prompt: string; a: Answer; b: Answer }

export interface Variant {
  id?: string; kind?: "local" | "upstream"; sha256?: string | null; quantization?: string | null;
  adapter?: string | null; remoteModel?: string; params?: Record<string, number>;
}

export interface SideTiming { ttftMs: number | null; durationMs: number; tokens: number }

export interface Battle {
  id: string;
  createdAt: string;
  category: string | null;
  categorySource: string;
  turns: Turn[];
  voted: boolean;
  /** Only after the vote: */
  choice?: Choice;
  counted?: boolean;
  flags?: { notCounted?: string[]; leakedIdentity?: Partial<Record<Side, string[]>>; [k: string]: unknown };
  models?: Record<Side, { name: string; variant: Variant }>;
  timing?: Partial<Record<Side, SideTiming>>;
}

export type ArenaEvent =
  | { type: "battle"; battle: Battle }
  | { type: "delta"; side: Side; text: string }
  | { type: "side_done"; side: Side; stopped: boolean; failed: boolean }
  | { type: "done"; battle: Battle }
  | { type: "error"; error: string };

export interface LeaderboardRow {
  model: string; variant: Variant | null; rating: number | null; ciLow: number | null; ciHigh: number | null;
  rank: number | null; votes: number;
  /** Few votes or a wide interval. */
  provisional?: boolean;
  /** Connected comparison group: ranks and ratings only compare within one. */
  group?: number | null;
}
export interface Leaderboard { rows: LeaderboardRow[]; style?: Record<string, number> }

/** "Q4_K_M · 1a2b3c4d": enough to tell two variants of one model apart. */
export function variantLabel(v: Variant | null | undefined): string {
  if (!v) return "—";
  return [v.quantization ?? (v.kind === "upstream" ? "upstream" : null), v.id?.slice(0, 8)].filter(Boolean).join(" · ");
}

/** Hover text with everything recorded about a variant. */
export function variantDetails(v: Variant | null | undefined): string {
  if (!v) return "";
  const parts = [v.sha256 ? `sha256 ${v.sha256}` : null, v.remoteModel ? `remote model ${v.remoteModel}` : null,
    v.adapter ? `adapter ${v.adapter}` : null, v.params ? `params ${JSON.stringify(v.params)}` : null];
  return parts.filter(Boolean).join("\n");
}
