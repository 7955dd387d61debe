/**
 * Runs a suite over models with bounded concurrency. Every finished case is one row written at
 * once, so a crash or Ctrl-C loses at most the cases in flight; the same run id resumes with only
 * the missing (model, case) pairs. A failing model stops the run (marked failed, resumable):
 * scoring the rest against a dead backend would only record noise.
 */
import { randomUUID } from "node:crypto";
import type { App } from "../app.ts";
import { conflict, FreeholdError, invalid } from "../errors.ts";
import { EvalRepo } from "./repo.ts";
import { scoreCase } from "./scorers/index.ts";
import { caseMessages, type EvalCase, type Suite } from "./suite.ts";

export interface RunProgress { done: number; total: number; skipped: number; model: string; caseId: string }

export interface RunOptions {
  suite: Suite;
  models: string[];
  concurrency?: number;
  /** Resume this run (or create it under this id). */
  runId?: string;
  maxTokens?: number;
  onProgress?: (p: RunProgress) => void;
  signal?: AbortSignal;
}

export async function runEval(app: Pick<App, "db" | "gateway">, o: RunOptions): Promise<{ runId: string; ran: number; skipped: number }> {
  if (!o.models.length) throw invalid("give at least one model", "models");
  // Resolved once (it costs a database lookup); an unknown name is a typo, not an outage,
  // so it is refused before any run row exists.
  const backends = new Map(await Promise.all(o.models.map(async (m) => [m, await app.gateway.resolve(m)] as const)));
  const repo = new EvalRepo(app.db);
  await repo.saveSuite(o.suite);
  const runId = o.runId ?? randomUUID();
  const existing = await repo.getRun(runId);
  if (existing && existing.suiteId !== o.suite.id) throw conflict(`run ${runId} scored a different suite; use a new run id`);
  const models = existing ? [...new Set([...existing.models, ...o.models])] : o.models;
  if (existing) await repo.setStatus(runId, "running", null, models);
  else await repo.createRun(runId, o.suite.id, models);

  const done = new Set((await repo.results(runId)).map((r) => `${r.model}\u0000${r.caseId}`));
  const todo: [string, EvalCase][] = [];
  for (const m of o.models) for (const c of o.suite.cases) if (!done.has(`${m}\u0000${c.id}`)) todo.push([m, c]);
  const total = o.models.length * o.suite.cases.length, skipped = total - todo.length;
  let finished = skipped, next = 0, failure: unknown;
  const stop = new AbortController();
  const signal = o.signal ? AbortSignal.any([o.signal, stop.signal]) : stop.signal;

  const worker = async () => {
    while (!failure && !signal.aborted && next < todo.length) {
      const [model, c] = todo[next++];
      try {
        const backend = backends.get(model)!;
        const t0 = performance.now();
        const r = await backend.chat(caseMessages(c), { temperature: 0, maxTokens: o.maxTokens ?? 256, signal });
        const latencyMs = performance.now() - t0;
        const s = await scoreCase(c, r.text, { gateway: app.gateway, model, signal });
        await repo.addResult(runId, {
          model, caseId: c.id, output: r.text, score: s.score, detail: s.detail, latencyMs,
          promptTokens: r.usage.promptTokens, completionTokens: r.usage.completionTokens,
          tokensPerS: latencyMs > 0 ? r.usage.completionTokens / (latencyMs / 1000) : null,
        });
        o.onProgress?.({ done: ++finished, total, skipped, model, caseId: c.id });
      } catch (e) {
        if (!signal.aborted) { failure ??= e; stop.abort(); }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 1) }, worker));

  if (failure) {
    const msg = failure instanceof Error ? failure.message : String(failure);
    await repo.setStatus(runId, "failed", msg);
    throw new FreeholdError(failure instanceof FreeholdError ? failure.code : "internal",
      `eval run ${runId} failed (resume with the same run id): ${msg}`, { cause: failure });
  }
  if (o.signal?.aborted) {
    await repo.setStatus(runId, "interrupted");
    throw new FreeholdError("unavailable", `eval run ${runId} interrupted after ${finished} of ${total} cases; resume with the same run id`);
  }
  await repo.setStatus(runId, "succeeded");
  return { runId, ran: todo.length, skipped };
}
