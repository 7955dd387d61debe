/** The eval_* tables (006_evals.sql). */
import type { Db } from "../store/db.ts";
import type { Suite } from "./suite.ts";

export type RunStatus = "running" | "succeeded" | "failed" | "interrupted";

export interface RunRecord { id: string; suiteId: string; models: string[]; status: RunStatus; error: string | null }

export interface ResultRow {
  model: string;
  caseId: string;
  output: string;
  score: number;
  detail?: Record<string, unknown>;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  tokensPerS: number | null;
}

export class EvalRepo {
  constructor(private readonly db: Db) {}

  async saveSuite(s: Suite): Promise<void> {
    await this.db.query("INSERT INTO eval_suites (id, name, cases) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
      [s.id, s.name, JSON.stringify(s.cases)]);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const r = await this.db.one<any>("SELECT * FROM eval_runs WHERE id = $1", [id]);
    return r && { id: r.id, suiteId: r.suite_id, models: r.models, status: r.status, error: r.error };
  }

  async createRun(id: string, suiteId: string, models: string[]): Promise<void> {
    await this.db.query("INSERT INTO eval_runs (id, suite_id, models) VALUES ($1, $2, $3)", [id, suiteId, JSON.stringify(models)]);
  }

  async setStatus(id: string, status: RunStatus, error: string | null = null, models?: string[]): Promise<void> {
    await this.db.query("UPDATE eval_runs SET status = $2, error = $3, models = COALESCE($4, models), updated_at = now() WHERE id = $1",
      [id, status, error, models ? JSON.stringify(models) : null]);
  }

  /** Idempotent: a case finished twice (a race on resume) keeps its first row. */
  async addResult(runId: string, r: ResultRow): Promise<void> {
    await this.db.query(
      `INSERT INTO eval_results (run_id, model, case_id, output, score, detail, latency_ms, prompt_tokens, completion_tokens, tokens_per_s)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (run_id, model, case_id) DO NOTHING`,
      [runId, r.model, r.caseId, r.output, r.score, r.detail ? JSON.stringify(r.detail) : null, r.latencyMs, r.promptTokens, r.completionTokens, r.tokensPerS]);
  }

  async results(runId: string): Promise<ResultRow[]> {
    const rows = await this.db.query<any>("SELECT * FROM eval_results WHERE run_id = $1 ORDER BY model, case_id", [runId]);
    return rows.map((r) => ({
      model: r.model, caseId: r.case_id, output: r.output, score: Number(r.score), detail: r.detail ?? undefined,
      latencyMs: Number(r.latency_ms), promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens,
      tokensPerS: r.tokens_per_s == null ? null : Number(r.tokens_per_s),
    }));
  }
}
