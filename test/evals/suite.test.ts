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

  test("choices are lettered into the prompt, and into the last user turn of messages the same way", () => {
    const choice = { choices: ["x", "y"], answer: "B", scorer: { type: "choice" } };
    const [c] = parseSuite(line({ id: "a", prompt: "Pick", ...choice })).cases;
    expect(caseMessages(c)[0].content).toContain("A. x\nB. y");
    const [m] = parseSuite(line({ id: "a", messages: [{ role: "user", content: "Pick" }], ...choice })).cases;
    expect(caseMessages(m)).toEqual(caseMessages(c));
    const [s] = parseSuite(line({ id: "a", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Pick" }], ...choice })).cases;
    expect(caseMessages(s)).toEqual([{ role: "system", content: "Be brief." }, ...caseMessages(c)]);
    expect(() => parseSuite(line({ id: "a", messages: [{ role: "user", content: "Pick" }, { role: "assistant", content: "ok" }], ...choice })))
      .toThrow(/suite\.jsonl:1: messages: .*must end with a user turn/);
  });

  test("cases that could only fail or score 0 at run time are refused with the line and the problem", () => {
    const bad = (o: object) => () => parseSuite(["# header", line({ id: "a", prompt: "p", ...o })].join("\n"), "b.jsonl");
    const choice = (answer: unknown) => ({ choices: ["x", "y"], answer, scorer: { type: "choice" } });
    expect(bad(choice("E"))).toThrow(/^b\.jsonl:2: answer: answer must be a letter A-B or an index 0-1 for 2 choices/);
    expect(bad(choice("Paris"))).toThrow(/^b\.jsonl:2: answer: /);
    expect(bad(choice(2))).toThrow(/^b\.jsonl:2: answer: /);
    expect(bad(choice("b"))).not.toThrow();
    expect(bad(choice(1))).not.toThrow();
    expect(bad({ expected: "abc", scorer: { type: "numeric" } })).toThrow(/^b\.jsonl:2: expected: a numeric case needs a number, not "abc"/);
    expect(bad({ expected: "3.5", scorer: { type: "numeric", options: { abs: "x" } } })).toThrow(/^b\.jsonl:2: scorer\.options\.abs: /);
    expect(bad({ expected: "-3.5e2", scorer: { type: "numeric" } })).not.toThrow();
    expect(bad({ expected: "(", scorer: { type: "regex" } })).toThrow(/^b\.jsonl:2: expected: bad regular expression/);
    expect(bad({ expected: "a", scorer: { type: "regex", options: { flags: "q" } } })).toThrow(/^b\.jsonl:2: expected: bad regular expression/);
    expect(bad({ scorer: { type: "json_schema" } })).toThrow(/^b\.jsonl:2: scorer\.options\.schema: /);
    expect(bad({ scorer: { type: "pairwise" } })).toThrow(/^b\.jsonl:2: scorer\.options\.reference: /);
    expect(bad({ scorer: { type: "judge", options: { max: 0 } } })).toThrow(/^b\.jsonl:2: scorer\.options\.max: /);
  });
});
