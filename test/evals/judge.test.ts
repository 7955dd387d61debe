import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { scoreCase } from "../../src/evals/scorers/index.ts";
import { parseScore, parseVerdict } from "../../src/evals/scorers/judge.ts";
import { EvalRepo } from "../../src/evals/repo.ts";
import { runEval } from "../../src/evals/run.ts";
import { runSummary } from "../../src/evals/summary.ts";
import { figures, type ProbeRow } from "../../src/evals/sycophancy/measure.ts";
import { parseSuite } from "../../src/evals/suite.ts";
import { chats, lastUser, scriptedApp } from "./setup.ts";

let env: Awaited<ReturnType<typeof scriptedApp>>;
let judgeSays: (prompt: string) => string = () => "Verdict: A";
beforeAll(async () => { env = await scriptedApp((req) => ({ text: judgeSays(lastUser(req.body)) })); });
afterAll(async () => env?.close());

const mk = (scorer: object) => parseSuite(JSON.stringify({ id: "c", prompt: "Capital of France?", expected: "Paris", scorer })).cases[0];
const ctx = () => ({ gateway: env.app.gateway, model: "m" });

describe("LLM-as-judge", () => {
  test("parsing scores and verdicts", () => {
    expect(parseScore("Good answer. Score: 8", 10)).toBe(8);
    expect(parseScore("I'd give it 7 out of 10", 10)).toBe(7);
    expect(parseScore("no idea", 10)).toBeUndefined();
    expect(parseScore("Mostly right. Score: 3/10", 10)).toBe(3);
    expect(parseScore("Rating: **6**", 10)).toBe(6);
    expect(parseScore("9", 10)).toBe(9);
    expect(parseVerdict("B is clearer.\nVerdict: B")).toBe("B");
    expect(parseVerdict("Verdict: **tie**")).toBe("tie");
    expect(parseVerdict("hmm")).toBe("tie");
  });

  test("the last explicit score counts, not the first number; the scale is enforced", () => {
    expect(parseScore("The answer is wrong since 7*8=56. I'd give it 2", 10)).toBe(2);
    expect(parseScore("It says 54 but 7*8=56, so 4 out of 10", 10)).toBe(4);
    expect(parseScore("First thought Score: 7. On reflection, score: 5.", 10)).toBe(5);
    expect(parseScore("Score: 0", 10)).toBeUndefined();
    expect(parseScore("Score: 11", 10)).toBeUndefined();
    expect(parseScore("Score: 4", 3)).toBeUndefined();
    expect(parseScore("3/5 of the steps hold up, 7*8=56", 10)).toBeUndefined();
    expect(parseScore("Wrong: 7*8=56, not 54.", 10)).toBeUndefined();
  });

  test("a judge reply with no score is an unscored case: the run succeeds, the case is counted, not averaged", async () => {
    judgeSays = (p) => (!p.startsWith("You are grading") ? "an answer" : p.includes("Q2") ? "I cannot judge this." : p.includes("Q1") ? "Score: 8" : "Score: 6");
    const suite = parseSuite(["Q1", "Q2", "Q3"].map((q) => JSON.stringify({ id: q, prompt: q, scorer: { type: "judge" } })).join("\n"));
    const { runId } = await runEval(env.app, { suite, models: ["m"], judge: "m" });
    expect((await new EvalRepo(env.app.db).getRun(runId))?.status).toBe("succeeded");
    const s = await runSummary(env.app.db, runId);
    expect(s.models[0]).toMatchObject({ unscored: 1, score: { mean: 0.7, n: 2 } });
    const row = (await new EvalRepo(env.app.db).results(runId)).find((r) => r.caseId === "Q2")!;
    expect(row.detail).toMatchObject({ unscored: true, rating: null, reply: "I cannot judge this." });
    // Feedback sycophancy leaves out items the judge did not score, and says how many.
    const probe = (own: number | null): ProbeRow => ({ correct: true, flipped: false, biased: true, own, other: 4 });
    const f = figures([probe(6), probe(null), probe(8)], "m");
    expect(f.feedbackSycophancy).toMatchObject({ estimate: { mean: 3, n: 2 }, unscored: 1 });
  });

  test("single-answer grading: rubric and answer reach the judge, score = N / max", async () => {
    judgeSays = () => "Correct and short. Score: 9";
    const s = await scoreCase(mk({ type: "judge", options: { rubric: "Must name Paris", judge: "m" } }), "Paris", ctx());
    expect(s.score).toBeCloseTo(0.9);
    const prompt = lastUser(chats(env.up).at(-1)!.body);
    expect(prompt).toContain("Must name Paris");
    expect(prompt).toContain("Answer:\nParis");
  });

  test("pairwise: a judge that always says A (position bias) yields a tie", async () => {
    const before = chats(env.up).length;
    judgeSays = () => "Verdict: A";
    const s = await scoreCase(mk({ type: "pairwise", options: { reference: "Lyon" } }), "Paris", ctx());
    expect(s.score).toBe(0.5);
    expect(s.detail?.verdicts).toEqual(["A", "A"]);
    expect(chats(env.up).length - before).toBe(2); // both orders were asked
  });

  test("pairwise: a consistent judge decides, whichever position the answer is in", async () => {
    // Prefers whichever answer says Paris, wherever it stands.
    judgeSays = (p) => (/\[Answer A\]\nParis/.test(p) ? "Verdict: A" : "Verdict: B");
    expect((await scoreCase(mk({ type: "pairwise", options: { reference: "Lyon" } }), "Paris", ctx())).score).toBe(1);
    judgeSays = (p) => (/\[Answer A\]\nLyon/.test(p) ? "Verdict: A" : "Verdict: B");
    expect((await scoreCase(mk({ type: "pairwise", options: { reference: "Lyon" } }), "Paris", ctx())).score).toBe(0);
  });
});
