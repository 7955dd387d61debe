/** The shapes /app/api/evals returns (src/evals/service.ts, summary.ts, repo.ts). */
export interface SuiteListing { id: string; name: string; source: "imported" | "feedback" | "feed" | "builtin"; owner: string; cases: number; createdAt: string }

export type RunStatus = "running" | "succeeded" | "failed" | "interrupted" | "cancelled";

export interface RunView {
  id: string; suiteId: string; suiteName: string; models: string[]; status: RunStatus; error: string | null;
  owner: string; options: { concurrency?: number; judge?: string; maxTokens?: number };
  createdAt: string; updatedAt: string; active: boolean;
  progress: { model: string; done: number; total: number }[]; done: number; total: number;
}

/** Mean with a 95% bootstrap interval; NaN arrives as null. */
export interface Estimate { mean: number | null; low: number | null; high: number | null; n: number }

export interface Figure { estimate: Estimate; explanation: string }

export interface Summary {
  runId: string;
  models: { model: string; score: Estimate; meanLatencyMs: number; tokensPerS: number | null }[];
  pairs: { a: string; b: string; diff: Estimate; disagree: string[] }[];
  sycophancy?: { model: string; judge: string; accuracy: Estimate; flipRate: Figure; answerSycophancy: Figure; feedbackSycophancy: Figure }[];
}

export interface ResultRow {
  model: string; caseId: string; output: string; score: number; detail?: Record<string, unknown>;
  latencyMs: number; promptTokens: number; completionTokens: number; tokensPerS: number | null;
}

export const fmt = (v: number | null | undefined, digits = 2) => (v == null || Number.isNaN(v) ? "—" : v.toFixed(digits));
export const ci = (e: Estimate, digits = 2) => (e.low == null ? "—" : `${fmt(e.low, digits)} – ${fmt(e.high, digits)}`);
export const finished = (s: RunStatus) => s !== "running";
