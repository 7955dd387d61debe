/**
 * Runs a suite over models with bounded concurrency. Every finished case is one row written at
 * once, so a crash or Ctrl-C loses at most the cases in flight; the same run id resumes with only
 * the missing (model, case) pairs. A failing model stops the run (marked failed, resumable):
 * scoring the rest against a dead backend would only record noise.
 */
import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type { App } from "../app.ts";
import { conflict, FreeholdError, invalid } from "../errors.ts";
import type { Backend } from "../gateway/types.ts";
import type { LocalModelRef } from "../runtime/types.ts";
import { choiceByLogprobs, isChoiceByLogprobs, localRef } from "./logprobChoice.ts";
import { EvalRepo, type ResultRow, type RunSettings, type RunStatus } from "./repo.ts";
import { scoreCase, type ScoreContext } from "./scorers/index.ts";
import { caseMessages, type EvalCase, type Suite } from "./suite.ts";

export interface RunProgress { done: number; total: number; skipped: number; model: string; caseId: string }

export interface RunOptions extends RunSettings {
  suite: Suite;
  models: string[];
  /** Resume this run (or create it under this id). */
  runId?: string;
  /** Who may read, cancel and resume it (default "local": the CLI). */
  owner?: string;
  onProgress?: (p: RunProgress) => void;
  signal?: AbortSignal;
  /** The status a stop through `signal` leaves (default interrupted). */
  stoppedAs?: Extract<RunStatus, "interrupted" | "cancelled">;
}

type EvalApp = Pick<App, "db" | "gateway" | "models">;

/** A run whose row exists and whose models resolved: ready for `executeRun`. */
export interface PreparedRun {
  runId: string;
  suite: Suite;
  /** The models this call scores (a resume may add models to the run). */
  models: string[];
  settings: RunSettings;
  backends: Map<string, { backend: Backend; local?: LocalModelRef }>;
}

/** Validates, stores the suite and creates (or reopens) the run row. Throws before any row on bad input. */
export async function prepareRun(app: EvalApp, o: RunOptions): Promise<PreparedRun> {
  if (!o.models.length) throw invalid("give at least one model", "models");
  const repo = new EvalRepo(app.db);
  const runId = o.runId ?? randomUUID();
  const existing = await repo.getRun(runId);
  if (existing && existing.suiteId !== o.suite.id) throw conflict(`run ${runId} scored a different suite; use a new run id`);
  const settings: RunSettings = {
    concurrency: o.concurrency ?? existing?.options.concurrency, judge: o.judge ?? existing?.options.judge,
    maxTokens: o.maxTokens ?? existing?.options.maxTokens,
  };
  // Resolved once (it costs a database lookup); an unknown name is a typo, not an outage,
  // so it is refused before any run row exists.
  const backends = new Map(await Promise.all(o.models.map(async (m) => {
    const backend = await app.gateway.resolve(m);
    return [m, { backend, local: await localRef(app, m, backend) }] as const;
  })));
  if (settings.judge) await app.gateway.resolve(settings.judge);
  await repo.saveSuite(o.suite);
  const models = existing ? [...new Set([...existing.models, ...o.models])] : o.models;
  if (existing) await repo.setStatus(runId, "running", null, models);
  else await repo.createRun(runId, o.suite.id, models, o.owner, settings);
  return { runId, suite: o.suite, models: o.models, settings, backends };
}

export async function executeRun(app: EvalApp, p: PreparedRun, o: Pick<RunOptions, "onProgress" | "signal" | "stoppedAs"> = {}): Promise<{ runId: string; ran: number; skipped: number }> {
  const { runId, suite, settings } = p;
  const repo = new EvalRepo(app.db);
  const done = new Set((await repo.results(runId)).map((r) => `${r.model}\u0000${r.caseId}`));
  const todo: [string, EvalCase][] = [];
  for (const m of p.models) for (const c of suite.cases) if (!done.has(`${m}\u0000${c.id}`)) todo.push([m, c]);
  const total = p.models.length * suite.cases.length, skipped = total - todo.length;
  let finished = skipped, next = 0, failure: unknown;
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;
  // Every request in flight listens on it (a sycophancy case makes five): not a leak.
  setMaxListeners(0, signal);

  const worker = async () => {
    while (!failure && !signal.aborted && next < todo.length) {
      const [model, c] = todo[next++];
      try {
        const row = await runCase(app, p, model, c, { gateway: app.gateway, model, judge: settings.judge, signal });
        await repo.addResult(runId, row);
        o.onProgress?.({ done: ++finished, total, skipped, model, caseId: c.id });
      } catch (e) {
        if (!signal.aborted) { failure ??= e; stop.abort(); }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, settings.concurrency ?? 1) }, worker));

  if (failure) {
    const msg = failure instanceof Error ? failure.message : String(failure);
    await repo.setStatus(runId, "failed", msg);
    throw new FreeholdError(failure instanceof FreeholdError ? failure.code : "internal",
      `eval run ${runId} failed (resume with the same run id): ${msg}`, { cause: failure });
  }
  if (o.signal?.aborted) {
    const status = o.stoppedAs ?? "interrupted";
    await repo.setStatus(runId, status);
    throw new FreeholdError("unavailable", `eval run ${runId} ${status} after ${finished} of ${total} cases; resume with the same run id`);
  }
  await repo.setStatus(runId, "succeeded");
  return { runId, ran: todo.length, skipped };
}

export async function runEval(app: EvalApp, o: RunOptions): Promise<{ runId: string; ran: number; skipped: number }> {
  return executeRun(app, await prepareRun(app, o), o);
}

/** Generates (or, for multiple choice on a local model, reads log-probabilities) and scores one case. */
async function runCase(app: EvalApp, p: PreparedRun, model: string, c: EvalCase, ctx: ScoreContext): Promise<ResultRow> {
  const { backend, local } = p.backends.get(model)!;
  const t0 = performance.now();
  const lp = local && isChoiceByLogprobs(c) ? await choiceByLogprobs(app.gateway.runtime, local, c, ctx.signal) : undefined;
  if (lp) {
    const s = await scoreCase(c, lp.picked, ctx);
    return {
      model, caseId: c.id, output: lp.picked, score: s.score, detail: { ...s.detail, method: "logprobs", logprobs: lp.logprobs },
      latencyMs: performance.now() - t0, promptTokens: lp.promptTokens, completionTokens: 0, tokensPerS: null,
    };
  }
  const r = await backend.chat(caseMessages(c), { temperature: 0, maxTokens: p.settings.maxTokens ?? 256, signal: ctx.signal });
  const latencyMs = performance.now() - t0;
  const s = await scoreCase(c, r.text, ctx);
  return {
    model, caseId: c.id, output: r.text, score: s.score,
    detail: c.scorer.type === "choice" ? { ...s.detail, method: "letter" } : s.detail, latencyMs,
    promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens,
    tokensPerS: latencyMs > 0 ? r.usage.completionTokens / (latencyMs / 1000) : null,
  };
}
