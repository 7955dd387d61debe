import { writeFile } from "node:fs/promises";
import { InvalidArgumentError, type Command } from "commander";
import type { BuildOptions } from "../../evals/build.ts";
import { BUILD_SCORERS } from "../../evals/buildScorers.ts";
import type { RunSummary } from "../../evals/summary.ts";
import { formatEstimate } from "../../evals/stats.ts";
import { withApp, withAppOrServer } from "../context.ts";
import { integer } from "../options.ts";
import { printTable } from "./models.ts";

const collect = (v: string, prev: string[] = []) => [...prev, v];
const oneOf = <T extends string>(values: readonly T[]) => (v: string): T => {
  if (!values.includes(v as T)) throw new InvalidArgumentError(`one of ${values.join(", ")}`);
  return v as T;
};

/** Through the server's /v1/evals while it holds the embedded database. */
const remote = () => import("../remoteEval.ts");

/** eval run, eval sycophancy: scores on your own tasks, and how much a model flatters. */
export function registerEval(program: Command) {
  const evalCmd = program.command("eval").description("evaluate models on a JSONL suite or the built-in sycophancy probes");

  evalCmd.command("run <suite>").description("run a suite (JSONL, one case a line) against one or more models")
    .requiredOption("--model <name>", "model to evaluate (repeat for several)", collect)
    .option("--concurrency <n>", "cases in flight", integer(1), 2)
    .option("--run-id <id>", "resume this run (finished cases are skipped)")
    .option("--judge <name>", "judge model for judge, pairwise and sycophancy cases that name none (default: the model under test)")
    .option("--max-tokens <n>", "answer length cap per case", integer(1))
    .option("--json", "print the summary as JSON")
    .action(async (file: string, opts: { model: string[]; concurrency: number; runId?: string; judge?: string; maxTokens?: number; json?: boolean }, cmd: Command) => {
      const { Presets, SingleBar } = await import("cli-progress");
      const ctl = new AbortController();
      const onInt = () => ctl.abort();
      process.once("SIGINT", onInt);
      const bar = new SingleBar({ format: "{bar} {value}/{total} cases | {model} {caseId}", hideCursor: true }, Presets.shades_classic);
      let started = false;
      const progress = (done: number, total: number, skipped: number, model = "", caseId = "") => {
        if (!started && !opts.json) { bar.start(total, skipped, { model: "", caseId: "" }); started = true; }
        bar.update(done, { model, caseId });
      };
      const run = { models: opts.model, concurrency: opts.concurrency, runId: opts.runId, judge: opts.judge, maxTokens: opts.maxTokens, signal: ctl.signal };
      try {
        const r = await withAppOrServer(cmd, async (app) => {
          const [{ loadSuite }, { runEval }, { runSummary }] = await Promise.all([import("../../evals/suite.ts"), import("../../evals/run.ts"), import("../../evals/summary.ts")]);
          const done = await runEval(app, { ...run, suite: await loadSuite(file), onProgress: (p) => progress(p.done, p.total, p.skipped, p.model, p.caseId) });
          return { ...done, summary: await runSummary(app.db, done.runId) };
        }, async (server) => {
          let first: number | undefined;
          return (await remote()).remoteEvalRun(server, file, { ...run, onProgress: (done, total) => progress(done, total, (first ??= done)) });
        });
        bar.stop();
        if (opts.json) return console.log(JSON.stringify(r.summary, null, 2));
        console.log(`run ${r.runId}: ${r.ran} cases run, ${r.skipped} already done`);
        printSummary(r.summary);
      } finally {
        bar.stop();
        process.off("SIGINT", onInt);
      }
    });

  evalCmd.command("build").description("write a JSONL suite from rated answers (feedback) or liked shares (feed)")
    .requiredOption("--from <source>", "feedback or feed", oneOf(["feedback", "feed"] as const))
    .option("--rating <r>", "feedback: answers rated up (reference to match) or down (answer to beat)", oneOf(["up", "down"] as const))
    .option("--tag <reason>", "feedback: only answers whose feedback names this reason (repeat for any of several)", collect)
    .option("--model <name>", "only answers this model gave")
    .option("--min-likes <n>", "feed: at least this many likes (default 1)", integer(0))
    .option("--scorer <s>", `${BUILD_SCORERS.join(", ")} (auto: short answers matched, longer ones judged; disliked ones pairwise)`, oneOf(BUILD_SCORERS))
    .option("--limit <n>", "most cases (default 500)", integer(1))
    .option("--name <name>", "suite name")
    .option("--out <file>", "write here instead of standard output")
    .action(async (opts: { from: BuildOptions["from"]; rating?: "up" | "down"; tag?: string[]; model?: string; minLikes?: number; scorer?: BuildOptions["scorer"]; limit?: number; name?: string; out?: string }, cmd: Command) => {
      const build: BuildOptions = { from: opts.from, rating: opts.rating, tags: opts.tag, model: opts.model, minLikes: opts.minLikes, scorer: opts.scorer, limit: opts.limit, name: opts.name };
      const text = await withAppOrServer(cmd, async (app) => {
        const [{ buildSuite }, { toJsonl }] = await Promise.all([import("../../evals/build.ts"), import("../../evals/suite.ts")]);
        return toJsonl((await buildSuite(app, build)).cases);
      }, async (server) => (await remote()).remoteBuildSuite(server, build));
      if (!opts.out) return void process.stdout.write(text);
      await writeFile(opts.out, text);
      console.error(`${text.split("\n").filter(Boolean).length} cases written to ${opts.out}`);
    });

  evalCmd.command("runs").description("list eval runs with their progress (resume one with `eval run <suite> --run-id <id>`)")
    .option("--json", "machine-readable output")
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const runs = await withAppOrServer(cmd, async (app) => {
        const { EvalService } = await import("../../evals/service.ts");
        return new EvalService(app).runs({ owner: "local", admin: true });
      }, async (server) => (await remote()).remoteEvalRuns(server));
      if (opts.json) return console.log(JSON.stringify(runs, null, 2));
      printTable(["RUN", "SUITE", "STATUS", "DONE", "MODELS", "UPDATED"], runs.map((r) => [
        r.id, r.suiteName, r.status, `${r.done}/${r.total}`, r.models.join(", "), r.updatedAt.toISOString().slice(0, 19).replace("T", " "),
      ]));
    });

  evalCmd.command("leaderboard <suite>").description("a suite as a leaderboard column: per model mean score with a 95% CI (newest complete run)")
    .option("--json", "machine-readable output")
    .action(async (file: string, opts: { json?: boolean }, cmd: Command) => {
      const suite = await (await import("../../evals/suite.ts")).loadSuite(file);
      const col = await withAppOrServer(cmd, async (app) => (await import("../../evals/leaderboardColumn.ts")).leaderboardColumn(app.db, suite.id),
        async (server) => (await remote()).remoteEvalLeaderboard(server, suite.id));
      if (opts.json) return console.log(JSON.stringify(col ?? null, null, 2));
      if (!col?.rows.length) return console.log(`no model has finished every case of ${suite.name} yet`);
      console.log(col.label);
      printTable(["MODEL", "MEAN [95% CI]", "RUN"], col.rows.map((r) => [r.model, formatEstimate({ mean: r.mean, low: r.low, high: r.high, n: r.n }), r.runId]));
    });

  evalCmd.command("sycophancy").description("flip rate, answer sycophancy and feedback sycophancy on the built-in probes")
    .requiredOption("--model <name>", "model to probe")
    .option("--judge <name>", "model that rates texts for feedback sycophancy (default: the model itself)")
    .option("--concurrency <n>", "questions in flight", integer(1), 2)
    .option("--json", "machine-readable output")
    .action(async (opts: { model: string; judge?: string; concurrency: number; json?: boolean }, cmd: Command) =>
      withApp(cmd, async (app) => {
        const { sycophancy } = await import("../../evals/sycophancy/index.ts");
        const r = await sycophancy(app, opts.model, { judge: opts.judge, concurrency: opts.concurrency });
        if (opts.json) return console.log(JSON.stringify(r, null, 2));
        console.log(`sycophancy of ${r.model} (judge ${r.judge}); baseline accuracy ${formatEstimate(r.accuracy, 2)}\n`);
        const figs = [["flip rate", r.flipRate], ["answer sycophancy", r.answerSycophancy], ["feedback sycophancy", r.feedbackSycophancy]] as const;
        for (const [name, f] of figs) console.log(`${name.padEnd(20)} ${formatEstimate(f.estimate, 2)}\n${"".padEnd(20)} ${f.explanation}\n`);
        console.log("intervals: 95% bootstrap (seeded)");
      }));
}

function printSummary(s: RunSummary) {
  for (const f of s.sycophancy ?? []) {
    console.log(`sycophancy of ${f.model} (judge ${f.judge}): flip rate ${formatEstimate(f.flipRate.estimate, 2)}, ` +
      `answer ${formatEstimate(f.answerSycophancy.estimate, 2)}, feedback ${formatEstimate(f.feedbackSycophancy.estimate, 2)}`);
  }
  printTable(["MODEL", "MEAN [95% CI]", "LATENCY", "TOK/S"], s.models.map((m) => [
    m.model, formatEstimate(m.score), `${m.meanLatencyMs.toFixed(0)} ms`, m.tokensPerS == null ? "-" : m.tokensPerS.toFixed(1),
  ]));
  if (!s.pairs.length) return;
  console.log("");
  printTable(["A − B", "MEAN DIFF [95% CI]", "DISAGREE"], s.pairs.map((p) => [
    `${p.a} − ${p.b}`, formatEstimate(p.diff), `${p.disagree.length}${p.disagree.length ? `: ${p.disagree.slice(0, 5).join(", ")}${p.disagree.length > 5 ? ", …" : ""}` : ""}`,
  ]));
}
