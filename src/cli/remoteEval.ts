/**
 * `freehold eval` through a running server's /v1/evals: the suite is imported, the run starts in
 * the server's background (or resumes), and the CLI follows it until it ends; Ctrl-C cancels it
 * there. A run made this way can be resumed later by either route.
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { FreeholdError } from "../errors.ts";
import type { BuildOptions } from "../evals/build.ts";
import type { LeaderboardColumn } from "../evals/leaderboardColumn.ts";
import type { RunView } from "../evals/service.ts";
import type { RunSummary } from "../evals/summary.ts";
import { call } from "./remote.ts";
import type { RunningServer } from "./runningServer.ts";

const POLL_MS = 500;

type WireRun = Omit<RunView, "createdAt" | "updatedAt"> & { createdAt: string; updatedAt: string };
const revive = (r: WireRun): RunView => ({ ...r, createdAt: new Date(r.createdAt), updatedAt: new Date(r.updatedAt) });

export interface RemoteRunOptions {
  models: string[];
  concurrency?: number;
  runId?: string;
  judge?: string;
  maxTokens?: number;
  signal: AbortSignal;
  onProgress: (done: number, total: number) => void;
}

export async function remoteEvalRun(server: RunningServer, file: string, o: RemoteRunOptions): Promise<{ runId: string; ran: number; skipped: number; summary: RunSummary }> {
  const { suite } = await (await call(server, "/v1/evals/suites", { body: { jsonl: await readFile(file, "utf8"), name: basename(file) } })).json() as { suite: { id: string } };
  if (o.runId) {
    const { run: earlier } = await (await call(server, `/v1/evals/runs/${encodeURIComponent(o.runId)}`)).json() as { run: WireRun };
    if (earlier.suiteId !== suite.id) throw new FreeholdError("invalid_request", `eval run ${o.runId} is of another suite than ${file}`);
  }
  let { run } = o.runId
    ? await (await call(server, `/v1/evals/runs/${encodeURIComponent(o.runId)}/resume`, { body: {} })).json() as { run: WireRun }
    : await (await call(server, "/v1/evals/runs", { body: { suite: suite.id, models: o.models, concurrency: o.concurrency, judge: o.judge, maxTokens: o.maxTokens } })).json() as { run: WireRun };
  const id = run.id;
  const skipped = run.done;
  let summary: RunSummary;
  for (;;) {
    o.onProgress(run.done, run.total);
    if (o.signal.aborted && run.status === "running") {
      run = (await (await call(server, `/v1/evals/runs/${id}/cancel`, { body: {} })).json() as { run: WireRun }).run;
    }
    if (run.status !== "running") break;
    await new Promise((r) => setTimeout(r, POLL_MS));
    ({ run, summary } = await (await call(server, `/v1/evals/runs/${id}`)).json() as { run: WireRun; summary: RunSummary });
  }
  ({ run, summary } = await (await call(server, `/v1/evals/runs/${id}`)).json() as { run: WireRun; summary: RunSummary });
  if (run.status === "failed") throw new FreeholdError("upstream_error", `eval run ${id} failed (resume with the same run id): ${run.error}`);
  if (run.status !== "succeeded") throw new FreeholdError("unavailable", `eval run ${id} ${run.status} after ${run.done} of ${run.total} cases; resume with the same run id`);
  return { runId: id, ran: run.done - skipped, skipped, summary };
}

export async function remoteEvalRuns(server: RunningServer): Promise<RunView[]> {
  return ((await (await call(server, "/v1/evals/runs")).json()) as { runs: WireRun[] }).runs.map(revive);
}

/** The suite's column, or undefined when the server has never seen that suite. */
export async function remoteEvalLeaderboard(server: RunningServer, suiteId: string): Promise<LeaderboardColumn | undefined> {
  try {
    return ((await (await call(server, `/v1/evals/suites/${encodeURIComponent(suiteId)}/leaderboard`)).json()) as { column: LeaderboardColumn }).column;
  } catch (e) {
    if (e instanceof FreeholdError && e.code === "not_found") return undefined;
    throw e;
  }
}

/** The built suite's JSONL (the server also keeps the suite). */
export async function remoteBuildSuite(server: RunningServer, o: BuildOptions): Promise<string> {
  return ((await (await call(server, "/v1/evals/suites/build", { body: o })).json()) as { jsonl: string }).jsonl;
}
