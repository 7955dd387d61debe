import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { EvalRepo } from "../../src/evals/repo.ts";
import { runEval } from "../../src/evals/run.ts";
import { runSummary } from "../../src/evals/summary.ts";
import { parseSuite } from "../../src/evals/suite.ts";
import { testModel } from "../helpers/models.ts";

let app: App;
let home: string;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "fh-evals-local-"));
  app = await openApp({ home, runtime: { threads: 1 } });
  await app.models.register(await testModel({ shape: "tiny" }), { name: "tiny", source: "generated" });
}, 60_000);
afterAll(async () => { await app?.close(); rmSync(home, { recursive: true, force: true }); });

test("a run against a generated tiny model (noise) completes and stores every case", async () => {
  const suite = parseSuite([
    JSON.stringify({ id: "a", prompt: "Say hi", expected: "hi", scorer: { type: "normalized" } }),
    JSON.stringify({ id: "b", prompt: "Pick one", choices: ["x", "y"], answer: "A", scorer: { type: "choice" } }),
    JSON.stringify({ id: "c", prompt: "A number?", expected: "3", scorer: { type: "numeric", options: { abs: 1 } } }),
  ].join("\n"));
  const { runId } = await runEval(app, { suite, models: ["tiny"], maxTokens: 8, concurrency: 2 });
  const rows = await new EvalRepo(app.db).results(runId);
  expect(rows.map((r) => r.caseId)).toEqual(["a", "b", "c"]);
  for (const r of rows) {
    expect(r.score === 0 || r.score === 1).toBe(true);
    // Multiple choice on a local model reads log-probabilities instead of generating.
    if (r.caseId === "b") expect(r).toMatchObject({ completionTokens: 0, detail: { method: "logprobs" } });
    else expect(r.completionTokens).toBeGreaterThan(0);
  }
  expect((await runSummary(app.db, runId)).models[0].score.n).toBe(3);
}, 60_000);
