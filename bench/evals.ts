/**
 * Eval throughput: cases/second for a 1,000-case exact-match suite against a generated tiny
 * model, and the scheduler's overhead (resume bookkeeping, scoring, one result row per case)
 * against calling the backend directly in a loop over the same cases.
 *
 *   npm run bench -- evals          (--quick: 200 cases, --dry-run: print, don't write)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openApp } from "../src/app.ts";
import { runEval } from "../src/evals/run.ts";
import { caseMessages, parseSuite } from "../src/evals/suite.ts";
import { makeModel } from "../src/models/gguf/makeModel.ts";
import { machine, table, writeSection } from "./lib/report.ts";

const MAX_TOKENS = 4;

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const n = opts.quick ? 200 : 1000;
  const home = mkdtempSync(join(tmpdir(), "fh-bench-evals-"));
  const load1 = loadavg()[0];
  const app = await openApp({ home, runtime: { threads: 1 } });
  try {
    const file = join(home, "tiny.gguf");
    await makeModel({ path: file, seed: 42 });
    await app.models.register(file, { name: "tiny", source: "generated" });
    const suite = parseSuite(Array.from({ length: n }, (_, i) => JSON.stringify({ id: `c${i}`, prompt: `Repeat the number ${i}.`, expected: String(i) })).join("\n"), "bench.jsonl");
    const backend = await app.gateway.resolve("tiny");
    const gen = { temperature: 0, maxTokens: MAX_TOKENS };
    await backend.chat(caseMessages(suite.cases[0]), gen); // load the model outside the timings

    const direct = async () => {
      const t0 = performance.now();
      for (const c of suite.cases) await backend.chat(caseMessages(c), gen);
      return (performance.now() - t0) / 1000;
    };
    // Direct runs bracket the eval runs, so a machine that gets busier or quieter shows as spread.
    const before = await direct();
    const evalRuns: [number, number, number][] = [];
    for (const concurrency of [1, 2]) {
      const t = performance.now();
      const r = await runEval(app, { suite, models: ["tiny"], concurrency, maxTokens: MAX_TOKENS });
      evalRuns.push([concurrency, r.ran, (performance.now() - t) / 1000]);
    }
    const after = await direct();
    const directS = (before + after) / 2;
    const rows: (string | number)[][] = [[`direct loop (backend.chat), before / after`, 1, n, `${before.toFixed(2)} / ${after.toFixed(2)}`, (n / directS).toFixed(1), "-"]];
    for (const [concurrency, ran, s] of evalRuns) {
      const overhead = concurrency === 1 ? `${(((s - directS) / n) * 1000).toFixed(2)} ms/case (${(((s - directS) / directS) * 100).toFixed(1)} %)` : "-";
      rows.push([`runEval`, concurrency, ran, s.toFixed(2), (n / s).toFixed(1), overhead]);
    }
    const md = [
      "## Evals: cases per second and scheduler overhead",
      "",
      `Machine: ${machine()}; load average at start ${load1.toFixed(2)}. Method: \`bench/evals.ts\`; a ${n}-case exact-match ` +
        `suite against a generated tiny dense model (noise, runtime threads 1, temperature 0, max ${MAX_TOKENS} tokens), model loaded ` +
        "before timing. The direct loop calls `backend.chat` for the same cases back to back; `runEval` adds scoring, the resume " +
        "lookup and one PGlite row per case. Overhead = (runEval at concurrency 1 − mean of the two direct loops) per case.",
      "",
      table(["path", "concurrency", "cases", "seconds", "cases/s", "overhead vs direct"], rows),
    ].join("\n");
    if (!opts.dryRun) writeSection("evals", md);
    return md;
  } finally {
    await app.close();
    rmSync(home, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
