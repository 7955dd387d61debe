import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { scoreCase } from "../../src/evals/scorers/index.ts";
import { parseScore, parseVerdict } from "../../src/evals/scorers/judge.ts";
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
    expect(parseVerdict("B is clearer.\nVerdict: B")).toBe("B");
    expect(parseVerdict("Verdict: **tie**")).toBe("tie");
    expect(parseVerdict("hmm")).toBe("tie");
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
