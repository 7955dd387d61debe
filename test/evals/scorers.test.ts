import { describe, expect, test } from "vitest";
import { scoreCase, type ScoreContext } from "../../src/evals/scorers/index.ts";
import { lastNumber } from "../../src/evals/scorers/numeric.ts";
import { parseSuite, type EvalCase } from "../../src/evals/suite.ts";

const ctx = { gateway: { resolve: async () => { throw new Error("no model needed"); } }, model: "m" } as unknown as ScoreContext;
const mk = (o: object): EvalCase => parseSuite(JSON.stringify({ id: "c", prompt: "q", ...o })).cases[0];
const score = async (o: object, out: string) => (await scoreCase(mk(o), out, ctx)).score;

describe("scorers", () => {
  test("exact trims only", async () => {
    expect(await score({ expected: "Paris" }, " Paris\n")).toBe(1);
    expect(await score({ expected: "Paris" }, "paris")).toBe(0);
  });

  test("normalized ignores case, whitespace, punctuation and articles", async () => {
    const s = { type: "normalized" };
    expect(await score({ expected: "the Nile", scorer: s }, "  Nile. ")).toBe(1);
    expect(await score({ expected: "New  York", scorer: s }, "new york!")).toBe(1);
    expect(await score({ expected: "Nile", scorer: s }, "Amazon")).toBe(0);
  });

  test("regex, case-insensitive by default", async () => {
    expect(await score({ expected: "\\bparis\\b", scorer: { type: "regex" } }, "It is Paris.")).toBe(1);
    expect(await score({ expected: "^paris$", scorer: { type: "regex", options: { flags: "" } } }, "Paris")).toBe(0);
  });

  test("multiple choice by the generated letter", async () => {
    const c = { choices: ["Rome", "Paris", "Oslo"], answer: "B", scorer: { type: "choice" } };
    for (const out of ["B", "(B)", "The answer is B.", "B. Paris"]) expect(await score(c, out)).toBe(1);
    expect(await score(c, "A")).toBe(0);
    expect(await score(c, "D")).toBe(0);
    expect(await score({ ...c, answer: 1 }, "B")).toBe(1);
  });

  test("numeric takes the last number, with absolute or relative tolerance", async () => {
    expect(lastNumber("2 apples and 1,250.5 pears")).toBe(1250.5);
    expect(await score({ expected: "42", scorer: { type: "numeric" } }, "First 3, so 42")).toBe(1);
    expect(await score({ expected: "42", scorer: { type: "numeric" } }, "42 then 43")).toBe(0);
    expect(await score({ expected: "100", scorer: { type: "numeric", options: { abs: 0.5 } } }, "100.4")).toBe(1);
    expect(await score({ expected: "100", scorer: { type: "numeric", options: { rel: 0.01 } } }, "≈ 101")).toBe(1);
    expect(await score({ expected: "100", scorer: { type: "numeric", options: { rel: 0.01 } } }, "102")).toBe(0);
    expect(await score({ expected: "1", scorer: { type: "numeric" } }, "none")).toBe(0);
  });

  test("json_schema: parses (fences allowed) and validates", async () => {
    const c = { scorer: { type: "json_schema", options: { schema: { type: "object", properties: { n: { type: "number" } }, required: ["n"] } } } };
    expect(await score(c, '{"n": 3}')).toBe(1);
    expect(await score(c, '```json\n{"n": 3}\n```')).toBe(1);
    expect(await score(c, '{"n": "3"}')).toBe(0);
    expect(await score(c, "not json")).toBe(0);
  });
});
