import { Presets, SingleBar } from "cli-progress";
import type { Command } from "commander";
import { runEval } from "../../evals/run.ts";
import { runSummary, type RunSummary } from "../../evals/summary.ts";
import { loadSuite } from "../../evals/suite.ts";
import { formatEstimate } from "../../evals/stats.ts";
import { sycophancy } from "../../evals/sycophancy/index.ts";
import { withApp } from "../context.ts";
import { printTable } from "./models.ts";

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** eval run, eval sycophancy: scores on your own tasks, and how much a model flatters. */
export function registerEval(program: Command) {
  const evalCmd = program.command("eval").description("evaluate models on a JSONL suite or the built-in sycophancy probes");

  evalCmd.command("run <suite>").description("run a suite (JSONL, one case a line) against one or more models")
    .requiredOption("--model <name>", "model to evaluate (repeat for several)", collect)
    .option("--concurrency <n>", "cases in flight", (v) => parseInt(v, 10), 2)
    .option("--run-id <id>", "resume this run (finished cases are skipped)")
    .option("--json", "print the summary as JSON")
    .action(async (file: string, opts: { model: string[]; concurrency: number; runId?: string; json?: boolean }, cmd: Command) =>
      withApp(cmd, async (app) => {
        const suite = await loadSuite(file);
        const ctl = new AbortController();
        const onInt = () => ctl.abort();
        process.once("SIGINT", onInt);
        const bar = new SingleBar({ format: "{bar} {value}/{total} cases | {model} {caseId}", hideCursor: true }, Presets.shades_classic);
        let started = false;
        try {
          const r = await runEval(app, {
            suite, models: opts.model, concurrency: opts.concurrency, runId: opts.runId, signal: ctl.signal,
            onProgress: (p) => {
              if (!started && !opts.json) { bar.start(p.total, p.skipped, { model: "", caseId: "" }); started = true; }
              bar.update(p.done, { model: p.model, caseId: p.caseId });
            },
          });
          bar.stop();
          const s = await runSummary(app.db, r.runId);
          if (opts.json) return console.log(JSON.stringify(s, null, 2));
          console.log(`run ${r.runId}: ${r.ran} cases run, ${r.skipped} already done`);
          printSummary(s);
        } finally {
          bar.stop();
          process.off("SIGINT", onInt);
        }
      }));

  evalCmd.command("sycophancy").description("flip rate, answer sycophancy and feedback sycophancy on the built-in probes")
    .requiredOption("--model <name>", "model to probe")
    .option("--judge <name>", "model that rates texts for feedback sycophancy (default: the model itself)")
    .option("--concurrency <n>", "questions in flight", (v) => parseInt(v, 10), 2)
    .option("--json", "machine-readable output")
    .action(async (opts: { model: string; judge?: string; concurrency: number; json?: boolean }, cmd: Command) =>
      withApp(cmd, async (app) => {
        const r = await sycophancy(app, opts.model, { judge: opts.judge, concurrency: opts.concurrency });
        if (opts.json) return console.log(JSON.stringify(r, null, 2));
        console.log(`sycophancy of ${r.model} (judge ${r.judge}); baseline accuracy ${formatEstimate(r.accuracy, 2)}\n`);
        const figs = [["flip rate", r.flipRate], ["answer sycophancy", r.answerSycophancy], ["feedback sycophancy", r.feedbackSycophancy]] as const;
        for (const [name, f] of figs) console.log(`${name.padEnd(20)} ${formatEstimate(f.estimate, 2)}\n${"".padEnd(20)} ${f.explanation}\n`);
        console.log("intervals: 95% bootstrap (seeded)");
      }));
}

function printSummary(s: RunSummary) {
  printTable(["MODEL", "MEAN [95% CI]", "LATENCY", "TOK/S"], s.models.map((m) => [
    m.model, formatEstimate(m.score), `${m.meanLatencyMs.toFixed(0)} ms`, m.tokensPerS == null ? "-" : m.tokensPerS.toFixed(1),
  ]));
  if (!s.pairs.length) return;
  console.log("");
  printTable(["A − B", "MEAN DIFF [95% CI]", "DISAGREE"], s.pairs.map((p) => [
    `${p.a} − ${p.b}`, formatEstimate(p.diff), `${p.disagree.length}${p.disagree.length ? `: ${p.disagree.slice(0, 5).join(", ")}${p.disagree.length > 5 ? ", …" : ""}` : ""}`,
  ]));
}
