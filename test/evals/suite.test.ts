import { describe, expect, test } from "vitest";
import { caseMessages, parseSuite } from "../../src/evals/suite.ts";

const line = (o: object) => JSON.stringify(o);

describe("suite parsing", () => {
  test("reads cases, defaults the scorer, skips blanks and comments", () => {
    const s = parseSuite([line({ id: "a", prompt: "2+2?", expected: "4" }), "", "# note", line({ id: "b", messages: [{ role: "user", content: "hi" }], expected: "hi", tags: ["x"] })].join("\n"));
    expect(s.cases.map((c) => c.id)).toEqual(["a", "b"]);
    expect(s.cases[0].scorer).toEqual({ type: "exact", options: {} });
    expect(s.id).toMatch(/^[0-9a-f]{64}$/);
  });

  test("errors name the file and line", () => {
    const lines = Array.from({ length: 6 }, (_, i) => line({ id: `c${i}`, prompt: "p", expected: "e" }));
    expect(() => parseSuite([...lines, line({ id: "c7", prompt: "p", expected: 4 })].join("\n"), "suite.jsonl"))
      .toThrow(/^suite\.jsonl:7: expected: .*string/);
    expect(() => parseSuite(`${lines[0]}\n{oops`, "s.jsonl")).toThrow(/^s\.jsonl:2: not valid JSON/);
    expect(() => parseSuite(line({ id: "a", expected: "e" }), "s.jsonl")).toThrow(/s\.jsonl:1: .*exactly one of messages or prompt/);
    expect(() => parseSuite(line({ id: "a", prompt: "p", scorer: { type: "choice" } }))).toThrow(/choices and answer/);
    expect(() => parseSuite(line({ id: "a", prompt: "p", expected: "e", bogus: 1 }))).toThrow(/suite\.jsonl:1/);
    expect(() => parseSuite(line({ id: "a", prompt: "p\u0000", expected: "e" }))).toThrow(/suite\.jsonl:1: NUL characters/);
  });

  test("duplicate ids are rejected with both lines", () => {
    expect(() => parseSuite([line({ id: "a", prompt: "p", expected: "e" }), line({ id: "a", prompt: "q", expected: "e" })].join("\n"), "d.jsonl"))
      .toThrow('d.jsonl:2: duplicate id "a" (first on line 1)');
  });

  test("choices are lettered into the prompt", () => {
    const [c] = parseSuite(line({ id: "a", prompt: "Pick", choices: ["x", "y"], answer: "B", scorer: { type: "choice" } })).cases;
    expect(caseMessages(c)[0].content).toContain("A. x\nB. y");
  });
});
