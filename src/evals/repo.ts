/** The eval_* tables (006_evals.sql, 008_eval_runs_owned.sql). */
import type { Db } from "../store/db.ts";
import type { EvalCase, Suite } from "./suite.ts";
import { storableText } from "../store/repos/columns.ts";

export type RunStatus = "running" | "succeeded" | "failed" | "interrupted" | "cancelled";

/** What a run was started with; a resume scores the same way. */
export interface RunSettings { concurrency?: number; judge?: string; maxTokens?: number }

export interface RunRecord {
  id: string; suiteId: string; models: string[]; status: RunStatus; error: string | null;
  owner: string; options: RunSettings; createdAt: Date; updatedAt: Date;
}

export type SuiteSource = "imported" | "feedback" | "feed" | "builtin";

export interface SuiteListing { id: string; name: string; source: SuiteSource; owner: string; cases: number; createdAt: Date }

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

const toRun = (r: any): RunRecord => ({
  id: r.id, suiteId: r.suite_id, models: r.models, status: r.status, error: r.error, owner: r.owner,
  options: r.options ?? {}, createdAt: new Date(r.created_at), updatedAt: new Date(r.updated_at),
});

export class EvalRepo {
  constructor(private readonly db: Db) {}

  async saveSuite(s: Suite): Promise<void> {
    await this.db.query("INSERT INTO eval_suites (id, name, cases) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
      [s.id, s.name, JSON.stringify(s.cases)]);
  }

  /** Lists the suite for this owner under this name (the content itself is stored once). */
  async ownSuite(suiteId: string, owner: string, name: string, source: SuiteSource): Promise<void> {
    await this.db.query(
      `INSERT INTO eval_suite_owners (suite_id, owner, name, source) VALUES ($1, $2, $3, $4)
       ON CONFLICT (suite_id, owner) DO UPDATE SET name = EXCLUDED.name`,
      [suiteId, owner, name, source]);
  }

  async getSuite(id: string): Promise<Suite | undefined> {
    const r = await this.db.one<any>("SELECT id, name, cases FROM eval_suites WHERE id = $1", [id]);
    return r && { id: r.id, name: r.name, cases: r.cases as EvalCase[] };
  }

  /** Suites listed for `owner`, or for everyone when owner is undefined (admins). */
  async listSuites(owner?: string): Promise<SuiteListing[]> {
    const rows = await this.db.query<any>(
      `SELECT o.suite_id, o.owner, o.name, o.source, o.created_at, jsonb_array_length(s.cases) AS n
       FROM eval_suite_owners o JOIN eval_suites s ON s.id = o.suite_id
       WHERE ($1::text IS NULL OR o.owner = $1) ORDER BY o.created_at DESC`, [owner ?? null]);
    return rows.map((r) => ({ id: r.suite_id, name: r.name, source: r.source, owner: r.owner, cases: Number(r.n), createdAt: new Date(r.created_at) }));
  }

  /** Name and case count of each suite (for run listings). */
  async suiteInfo(ids: string[]): Promise<Map<string, { name: string; cases: number }>> {
    const rows = await this.db.query<any>("SELECT id, name, jsonb_array_length(cases) AS n FROM eval_suites WHERE id = ANY($1::text[])", [[...new Set(ids)]]);
    return new Map(rows.map((r) => [r.id, { name: r.name, cases: Number(r.n) }]));
  }

  /** The owner's name for a suite, or undefined when it is not listed for them. */
  async suiteListing(id: string, owner?: string): Promise<SuiteListing | undefined> {
    return (await this.listSuites(owner)).find((s) => s.id === id);
  }

  async getRun(id: string): Promise<RunRecord | undefined> {
    const r = await this.db.one<any>("SELECT * FROM eval_runs WHERE id = $1", [id]);
    return r && toRun(r);
  }

  /** Newest first; `owner` undefined lists everyone's (admins). */
  async listRuns(f: { owner?: string; suiteId?: string; limit?: number } = {}): Promise<RunRecord[]> {
    const rows = await this.db.query<any>(
      `SELECT * FROM eval_runs WHERE ($1::text IS NULL OR owner = $1) AND ($2::text IS NULL OR suite_id = $2)
       ORDER BY created_at DESC LIMIT $3`, [f.owner ?? null, f.suiteId ?? null, f.limit ?? 200]);
    return rows.map(toRun);
  }

  async createRun(id: string, suiteId: string, models: string[], owner = "local", options: RunSettings = {}): Promise<void> {
    await this.db.query("INSERT INTO eval_runs (id, suite_id, models, owner, options) VALUES ($1, $2, $3, $4, $5)",
      [id, suiteId, JSON.stringify(models), owner, JSON.stringify(options)]);
  }

  async setStatus(id: string, status: RunStatus, error: string | null = null, models?: string[]): Promise<void> {
    await this.db.query("UPDATE eval_runs SET status = $2, error = $3, models = COALESCE($4, models), updated_at = now() WHERE id = $1",
      [id, status, error, models ? JSON.stringify(models) : null]);
  }

  /** Runs left "running" by a process that is gone; returns how many were marked. */
  async interruptStale(message: string): Promise<number> {
    return (await this.db.query("UPDATE eval_runs SET status = 'interrupted', error = $1, updated_at = now() WHERE status = 'running' RETURNING id", [message])).length;
  }

  /**
   * Idempotent: a case finished twice (a race on resume) keeps its first row. PostgreSQL text
   * and jsonb cannot hold NUL, which models do emit: stored as U+FFFD.
   */
  async addResult(runId: string, r: ResultRow): Promise<void> {
    await this.db.query(
      `INSERT INTO eval_results (run_id, model, case_id, output, score, detail, latency_ms, prompt_tokens, completion_tokens, tokens_per_s)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (run_id, model, case_id) DO NOTHING`,
      [runId, r.model, r.caseId, storableText(r.output), r.score, r.detail ? JSON.stringify(r.detail).replaceAll("\\u0000", "\\ufffd") : null,
        r.latencyMs, r.promptTokens, r.completionTokens, r.tokensPerS]);
  }

  async results(runId: string, f: { model?: string; caseId?: string; limit?: number; offset?: number } = {}): Promise<ResultRow[]> {
    const rows = await this.db.query<any>(
      `SELECT * FROM eval_results WHERE run_id = $1 AND ($2::text IS NULL OR model = $2) AND ($3::text IS NULL OR case_id = $3)
       ORDER BY model, case_id LIMIT $4 OFFSET $5`,
      [runId, f.model ?? null, f.caseId ?? null, f.limit ?? null, f.offset ?? 0]);
    return rows.map((r) => ({
      model: r.model, caseId: r.case_id, output: r.output, score: Number(r.score), detail: r.detail ?? undefined,
      latencyMs: Number(r.latency_ms), promptTokens: r.prompt_tokens, completionTokens: r.completion_tokens,
      tokensPerS: r.tokens_per_s == null ? null : Number(r.tokens_per_s),
    }));
  }

  /** Finished cases per model. */
  async counts(runId: string): Promise<Map<string, number>> {
    const rows = await this.db.query<{ model: string; n: string }>("SELECT model, count(*) AS n FROM eval_results WHERE run_id = $1 GROUP BY model", [runId]);
    return new Map(rows.map((r) => [r.model, Number(r.n)]));
  }
}
