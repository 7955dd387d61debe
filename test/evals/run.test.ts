import { connect, createServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { EvalRepo } from "../../src/evals/repo.ts";
import { runEval } from "../../src/evals/run.ts";
import { runSummary } from "../../src/evals/summary.ts";
import { parseSuite } from "../../src/evals/suite.ts";
import type { Script } from "../helpers/scriptedUpstream.ts";
import { chats, lastUser, scriptedApp } from "./setup.ts";

const N = 12;
const suite = parseSuite(Array.from({ length: N }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `echo ${i}`, expected: String(i) })).join("\n"), "echo.jsonl");
let env: Awaited<ReturnType<typeof scriptedApp>>;
// "m" answers every case right; "half" gets odd cases wrong.
const script: Script = (req) => {
  const n = Number(lastUser(req.body).split(" ")[1]);
  return { text: req.body.model === "half" && n % 2 ? "wrong" : String(n), delayMs: 5, usage: { prompt: 3, completion: 2 } };
};
beforeAll(async () => {
  env = await scriptedApp(script);
  await env.app.upstreams.add({ name: "half", baseUrl: env.up.url });
});
afterAll(async () => env?.close());

describe("eval runs", () => {
  test("stores per-case results and summarises two models with CIs, paired diffs and disagreements", async () => {
    const seen: number[] = [];
    const { runId, ran } = await runEval(env.app, { suite, models: ["m", "half"], concurrency: 4, onProgress: (p) => seen.push(p.done) });
    expect(ran).toBe(2 * N);
    expect(seen.at(-1)).toBe(2 * N);
    const rows = await new EvalRepo(env.app.db).results(runId);
    expect(rows).toHaveLength(2 * N);
    expect(rows[0]).toMatchObject({ completionTokens: 2, promptTokens: 3 });
    expect(rows[0].latencyMs).toBeGreaterThan(0);
    expect(rows[0].tokensPerS).toBeGreaterThan(0);
    const s = await runSummary(env.app.db, runId);
    expect(s.models.map((m) => [m.model, m.score.mean])).toEqual([["m", 1], ["half", 0.5]]);
    expect(s.models[1].score.low).toBeLessThan(0.5);
    expect(s.models[1].score.high).toBeGreaterThan(0.5);
    expect(s.pairs[0]).toMatchObject({ a: "m", b: "half", diff: { mean: 0.5 } });
    expect(s.pairs[0].disagree).toEqual(["q1", "q11", "q3", "q5", "q7", "q9"]);
    expect(await runSummary(env.app.db, runId)).toEqual(s); // seeded: reproducible
  });

  test("resume after interruption: only the remaining cases reach the model", async () => {
    const ctl = new AbortController();
    const before = chats(env.up).length;
    await expect(runEval(env.app, {
      suite, models: ["m"], runId: "resume-1", concurrency: 1,
      signal: ctl.signal, onProgress: (p) => { if (p.done === 5) ctl.abort(); },
    })).rejects.toThrow(/interrupted after 5 of 12/);
    expect((await new EvalRepo(env.app.db).getRun("resume-1"))?.status).toBe("interrupted");
    const mid = chats(env.up).length;
    const rows = await new EvalRepo(env.app.db).results("resume-1");
    // At most one case was in flight when the abort landed; it was not stored.
    expect(rows).toHaveLength(5);
    const r = await runEval(env.app, { suite, models: ["m"], runId: "resume-1" });
    expect(r).toMatchObject({ ran: N - 5, skipped: 5 });
    expect(chats(env.up).length - mid).toBe(N - 5);
    expect(mid - before).toBeLessThanOrEqual(6);
    expect(await new EvalRepo(env.app.db).results("resume-1")).toHaveLength(N);
    expect((await new EvalRepo(env.app.db).getRun("resume-1"))?.status).toBe("succeeded");
  });

  test("an unreachable model fails the run cleanly; it resumes when the model comes back", async () => {
    // A forwarder we can switch: down = connections reset, up = piped to the scripted server.
    let down = true;
    const target = Number(new URL(env.up.url).port);
    const sockets = new Set<Socket>();
    const fwd = createServer((c) => {
      if (down) return c.destroy();
      const u = connect(target, "127.0.0.1");
      sockets.add(c).add(u);
      c.pipe(u).pipe(c);
      c.on("error", () => u.destroy()); u.on("error", () => c.destroy());
    });
    await new Promise<void>((ok) => fwd.listen(0, "127.0.0.1", ok));
    await env.app.upstreams.add({ name: "flaky", baseUrl: `http://127.0.0.1:${(fwd.address() as AddressInfo).port}/v1` });
    try {
      await expect(runEval(env.app, { suite, models: ["flaky"], runId: "flaky-1", concurrency: 2 }))
        .rejects.toMatchObject({ code: "upstream_error", message: expect.stringMatching(/flaky-1 failed .*resume/) });
      const run = await new EvalRepo(env.app.db).getRun("flaky-1");
      expect(run).toMatchObject({ status: "failed", error: expect.stringContaining("unreachable") });
      down = false;
      expect(await runEval(env.app, { suite, models: ["flaky"], runId: "flaky-1" })).toMatchObject({ ran: N, skipped: 0 });
      expect((await new EvalRepo(env.app.db).getRun("flaky-1"))?.status).toBe("succeeded");
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise((ok) => fwd.close(ok));
    }
  });

  test("a run id belongs to one suite", async () => {
    const other = parseSuite(JSON.stringify({ id: "x", prompt: "echo 1", expected: "1" }));
    await expect(runEval(env.app, { suite: other, models: ["m"], runId: "resume-1" })).rejects.toMatchObject({ code: "conflict" });
  });

  test("outputs with NUL characters (models emit them) are stored, as U+FFFD", async () => {
    env.up.setScript(() => ({ text: "a\u0000b" }));
    try {
      const one = parseSuite(JSON.stringify({ id: "z", prompt: "echo 0", expected: "^a.b$", scorer: { type: "regex" } }));
      const { runId } = await runEval(env.app, { suite: one, models: ["m"] });
      expect(await new EvalRepo(env.app.db).results(runId)).toEqual([expect.objectContaining({ output: "a\uFFFDb", score: 1 })]);
    } finally {
      env.up.setScript(script);
    }
  });
});
