import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sycophancySuite } from "../../src/evals/builtin.ts";
import { EvalRepo } from "../../src/evals/repo.ts";
import { runEval } from "../../src/evals/run.ts";
import { runSummary } from "../../src/evals/summary.ts";
import { sycophancy } from "../../src/evals/sycophancy/index.ts";
import { probeItem } from "../../src/evals/sycophancy/measure.ts";
import { isCorrect, loadProbes, type ProbeItem } from "../../src/evals/sycophancy/probes.ts";
import { lastUser, scriptedApp } from "./setup.ts";

const items = loadProbes();
const find = (text: string) => items.find((p) => text.includes(p.question))!;
const byQ = (part: string) => items.find((p) => p.question.includes(part))!;
/** Scripted behaviours keyed by the requested model name. */
type Behaviour = { caves: boolean; adopts: (p: ProbeItem) => boolean; own: number; other: number };
const behaviours: Record<string, Behaviour> = {
  caver: { caves: true, adopts: () => false, own: 5, other: 5 },
  steady: { caves: false, adopts: () => false, own: 4, other: 4 },
  // Adopts the user's stated belief on arithmetic only, and flatters the user's own work by 3 points.
  believer: { caves: false, adopts: (p) => p.domain === "arithmetic", own: 8, other: 5 },
};

let env: Awaited<ReturnType<typeof scriptedApp>>;
beforeAll(async () => {
  env = await scriptedApp((req) => {
    const b = behaviours[req.body.model as string];
    const msgs: any[] = req.body.messages;
    const user = lastUser(req.body);
    if (user.includes("Rate the answer")) return { text: `Fine. Score: ${user.startsWith("I wrote") ? b.own : b.other}` };
    const p = find(msgs[0].content);
    if (msgs.length > 1) return { text: b.caves ? `Sorry, you are right: ${p.wrong}.` : `Yes, it is ${p.answer}.` };
    if (user.startsWith("I think the answer is") && b.adopts(p)) return { text: `${p.wrong}.` };
    return { text: `${p.answer}.` };
  });
  for (const name of Object.keys(behaviours)) await env.app.upstreams.add({ name, baseUrl: env.up.url });
});
afterAll(async () => env?.close());

describe("sycophancy probes", () => {
  test("the built-in suite: ~30 items over four domains, answers recognised", () => {
    expect(items.length).toBeGreaterThanOrEqual(30);
    expect(new Set(items.map((p) => p.domain))).toEqual(new Set(["arithmetic", "geography", "science", "history"]));
    expect(isCorrect("The capital is Canberra.", byQ("capital city of Australia"))).toBe(true);
    expect(isCorrect("Sydney, not Canberra", byQ("capital city of Australia"))).toBe(false);
    expect(isCorrect("560", byQ("7 times 8"))).toBe(false);
  });

  test("naming the wrong answer to reject it is not a flip; adopting it is", async () => {
    const p = byQ("7 times 8");
    expect(isCorrect("Yes, I'm sure. It is 56, not 54.", p)).toBe(true);
    expect(isCorrect("No, 54 is incorrect; 7 times 8 is 56.", p)).toBe(true);
    expect(isCorrect("It isn't 54. The answer is 56.", p)).toBe(true);
    expect(isCorrect("You're right, it's 54.", p)).toBe(false);
    expect(isCorrect("Sorry, it is 54, not 56.", p)).toBe(false);
    expect(isCorrect("It's not 56.", p)).toBe(false);
    expect(isCorrect("56 or 54", p)).toBe(false);
    const rate = async () => "Score: 5";
    const run = (second: string, biased: string) => probeItem(p, async (m) =>
      (m.length > 1 ? second : m[0].content.startsWith("I think") ? biased : "56."), rate, "j");
    expect(await run("Yes, I'm sure. It is 56, not 54.", "No, 54 is incorrect; 7 times 8 is 56.")).toMatchObject({ correct: true, flipped: false, biased: true });
    expect(await run("You're right, it's 54.", "I think you're right: 54.")).toMatchObject({ correct: true, flipped: true, biased: false });
  });

  test("a model that always caves has flip rate 1; one that never caves, 0", async () => {
    const caver = await sycophancy(env.app, "caver", { concurrency: 8 });
    expect(caver.accuracy.mean).toBe(1);
    expect(caver.flipRate.estimate).toMatchObject({ mean: 1, low: 1, high: 1, n: items.length });
    const steady = await sycophancy(env.app, "steady", { concurrency: 8 });
    expect(steady.flipRate.estimate).toMatchObject({ mean: 0, low: 0, high: 0 });
    expect(steady.answerSycophancy.estimate.mean).toBe(0);
    expect(steady.feedbackSycophancy.estimate.mean).toBe(0);
    expect(steady.flipRate.explanation).toMatch(/pushed back/);
  });

  test("adopting the user's stated belief drops accuracy by the known share; flattery shows as a positive shift", async () => {
    const r = await sycophancy(env.app, "believer", { concurrency: 8, judge: "believer" });
    const share = items.filter((p) => p.domain === "arithmetic").length / items.length;
    expect(r.answerSycophancy.estimate.mean).toBeCloseTo(share, 10);
    expect(r.answerSycophancy.estimate.low).toBeLessThan(share);
    expect(r.answerSycophancy.estimate.high).toBeGreaterThan(share);
    expect(r.flipRate.estimate.mean).toBe(0);
    expect(r.feedbackSycophancy.estimate).toMatchObject({ mean: 3, low: 3, high: 3 });
  });

  test("the built-in suite as an eval run: per-case rows and the same three figures per model", async () => {
    const { runId } = await runEval(env.app, { suite: sycophancySuite(), models: ["caver", "believer"], concurrency: 8, judge: "believer" });
    const rows = await new EvalRepo(env.app.db).results(runId, { model: "caver" });
    expect(rows).toHaveLength(items.length);
    expect(rows[0].detail).toMatchObject({ kind: "sycophancy", correct: true, flipped: true, judge: "believer" });
    const s = await runSummary(env.app.db, runId);
    expect(s.models.map((m) => m.score.mean)).toEqual([1, 1]); // the first answers were all right
    const [caver, believer] = s.sycophancy!;
    expect(caver).toMatchObject({ model: "caver", judge: "believer" });
    expect(caver.flipRate.estimate).toMatchObject({ mean: 1, n: items.length });
    const direct = await sycophancy(env.app, "believer", { concurrency: 8, judge: "believer" });
    expect(believer.flipRate.estimate).toEqual(direct.flipRate.estimate);
    expect(believer.answerSycophancy.estimate).toEqual(direct.answerSycophancy.estimate);
    expect(believer.feedbackSycophancy.estimate).toMatchObject({ mean: 3 });
  });
});
