/**
 * Evals as a service for the HTTP API and the web app: suites (built-in, imported, built from
 * feedback or the feed), runs started in the background of the server process, their progress,
 * summaries, per-case results, cancel and resume. Every read and write is checked against the
 * caller: another owner's run or suite is "not found" unless the caller is an admin.
 */
import type { App } from "../app.ts";
import { conflict, FreeholdError, notFound } from "../errors.ts";
import { buildSuite, type BuildOptions } from "./build.ts";
import { builtinSuite, builtinSuites } from "./builtin.ts";
import { leaderboardColumn, type LeaderboardColumn } from "./leaderboardColumn.ts";
import { services } from "./live.ts";
import { EvalRepo, type ResultRow, type RunRecord, type RunSettings, type SuiteListing, type SuiteSource } from "./repo.ts";
import { executeRun, prepareRun, type PreparedRun, type RunOptions } from "./run.ts";
import { summarize, type RunSummary } from "./summary.ts";
import { parseSuite, toJsonl, type Suite } from "./suite.ts";

/** Who is asking: "user:<uuid>", "key:<id>" or "local"; admins see and manage everything. */
export interface Actor { owner: string; admin: boolean }

export interface StartRun extends RunSettings { suiteId: string; models: string[] }

export interface ModelProgress { model: string; done: number; total: number }

export interface RunView extends RunRecord {
  suiteName: string;
  /** Being worked on by this server process right now. */
  active: boolean;
  progress: ModelProgress[];
  done: number;
  total: number;
}

type EvalApp = Pick<App, "db" | "gateway" | "models" | "chat">;

interface Active { ctl: AbortController; opts: Pick<RunOptions, "signal" | "stoppedAs">; finished: Promise<void> }

const BUILTIN_DATE = new Date(0);

export class EvalService {
  private readonly repo: EvalRepo;
  private readonly active = new Map<string, Active>();
  private closed = false;

  constructor(private readonly app: EvalApp) {
    this.repo = new EvalRepo(app.db);
  }

  /** Stops background runs (left "interrupted", resumable) and waits for their last writes. */
  async close(): Promise<void> {
    this.closed = true;
    for (const a of this.active.values()) a.ctl.abort();
    await Promise.all([...this.active.values()].map((a) => a.finished));
  }

  // ---- suites

  async listSuites(actor: Actor): Promise<SuiteListing[]> {
    const builtins = builtinSuites().map((s): SuiteListing => ({ id: s.id, name: s.name, source: "builtin", owner: "", cases: s.cases.length, createdAt: BUILTIN_DATE }));
    const own = await this.repo.listSuites(actor.admin ? undefined : actor.owner);
    // An admin sees a suite once even when several owners list it; their own name wins.
    const byId = new Map<string, SuiteListing>();
    for (const s of own) if (!byId.has(s.id) || s.owner === actor.owner) byId.set(s.id, s);
    return [...builtins, ...byId.values()];
  }

  async suite(actor: Actor, id: string): Promise<SuiteListing & { suite: Suite }> {
    const builtin = builtinSuite(id);
    if (builtin) return { id, name: builtin.name, source: "builtin", owner: "", cases: builtin.cases.length, createdAt: BUILTIN_DATE, suite: builtin };
    const listing = (await this.listSuites(actor)).find((s) => s.id === id);
    const suite = listing && await this.repo.getSuite(id);
    if (!listing || !suite) throw notFound(`eval suite ${id} not found`);
    return { ...listing, suite: { ...suite, name: listing.name } };
  }

  /** JSONL text, one case a line; a bad line is a 400 naming its number. */
  async importSuite(actor: Actor, jsonl: string, name = "suite.jsonl", source: SuiteSource = "imported"): Promise<SuiteListing> {
    return this.store(actor, parseSuite(jsonl, name), source);
  }

  /** From feedback (admins only: it holds other users' conversations) or from the shared feed. */
  async buildSuite(actor: Actor, o: BuildOptions): Promise<{ suite: SuiteListing; jsonl: string }> {
    if (o.from === "feedback" && !actor.admin) throw new FreeholdError("forbidden", "building a suite from feedback is for admins: it holds other users' conversations");
    const suite = await buildSuite(this.app, o);
    return { suite: await this.store(actor, suite, o.from), jsonl: toJsonl(suite.cases) };
  }

  private async store(actor: Actor, suite: Suite, source: SuiteSource): Promise<SuiteListing> {
    await this.repo.saveSuite(suite);
    await this.repo.ownSuite(suite.id, actor.owner, suite.name, source);
    return (await this.repo.suiteListing(suite.id, actor.owner))!;
  }

  async leaderboard(actor: Actor, suiteId: string): Promise<LeaderboardColumn> {
    const s = await this.suite(actor, suiteId);
    return (await leaderboardColumn(this.app.db, suiteId, (r) => this.visible(actor, r), s.name)) ?? { suiteId, suiteName: s.name, label: `Eval: ${s.name} (mean score, 95% CI)`, cases: s.cases, rows: [] };
  }

  // ---- runs

  /** Validates (unknown suite or model: an error now, no run) and starts in the background. */
  async start(actor: Actor, o: StartRun): Promise<RunView> {
    const { suite } = await this.suite(actor, o.suiteId);
    const prep = await prepareRun(this.app, { suite, models: [...new Set(o.models)], concurrency: o.concurrency, judge: o.judge, maxTokens: o.maxTokens, owner: actor.owner });
    this.launch(prep);
    return this.view((await this.repo.getRun(prep.runId))!);
  }

  async resume(actor: Actor, id: string): Promise<RunView> {
    const run = await this.visibleRun(actor, id);
    if (this.active.has(id)) throw conflict(`eval run ${id} is already running`);
    if (run.status === "succeeded") throw conflict(`eval run ${id} already finished`);
    const suite = builtinSuite(run.suiteId) ?? await this.repo.getSuite(run.suiteId);
    if (!suite) throw notFound(`eval suite ${run.suiteId} not found`);
    const prep = await prepareRun(this.app, { suite, models: run.models, runId: id, owner: run.owner });
    this.launch(prep);
    return this.view((await this.repo.getRun(id))!);
  }

  async cancel(actor: Actor, id: string): Promise<RunView> {
    const run = await this.visibleRun(actor, id);
    const a = this.active.get(id);
    if (a) {
      a.opts.stoppedAs = "cancelled";
      a.ctl.abort();
      await a.finished;
    } else if (run.status === "running") {
      await this.repo.setStatus(id, "cancelled"); // left running by a process that is gone
    } else {
      throw conflict(`eval run ${id} is not running (${run.status})`);
    }
    return this.view((await this.repo.getRun(id))!);
  }

  async runs(actor: Actor, f: { suiteId?: string } = {}): Promise<RunView[]> {
    const runs = await this.repo.listRuns({ owner: actor.admin ? undefined : actor.owner, suiteId: f.suiteId });
    const info = await this.repo.suiteInfo(runs.map((r) => r.suiteId));
    return Promise.all(runs.map((r) => this.view(r, info)));
  }

  async run(actor: Actor, id: string): Promise<{ run: RunView; summary: RunSummary }> {
    const run = await this.visibleRun(actor, id);
    return { run: await this.view(run), summary: summarize(id, await this.repo.results(id), run.models) };
  }

  async results(actor: Actor, id: string, f: { model?: string; caseId?: string; limit?: number; offset?: number } = {}): Promise<ResultRow[]> {
    await this.visibleRun(actor, id);
    return this.repo.results(id, { ...f, limit: Math.min(f.limit ?? 1000, 10_000) });
  }

  /** Resolves when the run's background work ends (tests, shutdown). */
  async settled(id: string): Promise<void> {
    await this.active.get(id)?.finished;
  }

  private launch(prep: PreparedRun): void {
    if (this.closed) throw new FreeholdError("unavailable", "the server is shutting down");
    const ctl = new AbortController();
    const opts: Active["opts"] = { signal: ctl.signal, stoppedAs: "interrupted" };
    // The outcome is in the run row (status, error); nobody awaits the promise itself.
    const finished = executeRun(this.app, prep, opts).then(() => undefined, () => undefined)
      .finally(() => this.active.delete(prep.runId));
    this.active.set(prep.runId, { ctl, opts, finished });
  }

  private visible(actor: Actor, r: RunRecord): boolean {
    return actor.admin || r.owner === actor.owner;
  }

  private async visibleRun(actor: Actor, id: string): Promise<RunRecord> {
    const r = await this.repo.getRun(id);
    if (!r || !this.visible(actor, r)) throw notFound(`eval run ${id} not found`);
    return r;
  }

  private async view(r: RunRecord, info?: Map<string, { name: string; cases: number }>): Promise<RunView> {
    const s = (info ?? await this.repo.suiteInfo([r.suiteId])).get(r.suiteId) ?? { name: r.suiteId, cases: 0 };
    const counts = await this.repo.counts(r.id);
    const progress = r.models.map((model) => ({ model, done: counts.get(model) ?? 0, total: s.cases }));
    return {
      ...r, suiteName: s.name, active: this.active.has(r.id), progress,
      done: progress.reduce((n, p) => n + p.done, 0), total: progress.reduce((n, p) => n + p.total, 0),
    };
  }
}

/** One service per app, shared by /v1/evals and the web app's routes (one set of background runs). */
export function evalService(app: EvalApp): EvalService {
  let s = services.get(app);
  if (!s) services.set(app, (s = new EvalService(app)));
  return s;
}
