import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { grammarSchema } from "../../src/runtime/grammarSchema.ts";
import { Runtime } from "../../src/runtime/index.ts";
import { getLlama } from "../../src/runtime/llama.ts";
import { DATE_RULE, INTEGER_RULE, NUMBER_RULE } from "../../src/runtime/grammarRules.ts";
import type { LocalModelRef } from "../../src/runtime/types.ts";
import { testModel } from "../helpers/models.ts";

describe("JSON schema → what the grammar enforces", () => {
  test("rewrites keywords the grammar builder does not know into ones with the same meaning", () => {
    const pydantic = {
      title: "Order",
      type: "object",
      properties: {
        note: { anyOf: [{ type: "string", maxLength: 4 }, { type: "null" }], default: null },
        item: { allOf: [{ $ref: "#/definitions/Item" }], description: "what" },
        tags: { type: ["array", "null"], items: { enum: ["a", "b"] } },
        extra: {},
      },
      required: ["item"],
      definitions: { Item: { properties: { n: { type: "integer" } } } },
    };
    const before = JSON.stringify(pydantic);
    expect(grammarSchema(pydantic, "format")).toEqual({
      type: "object",
      properties: {
        note: { oneOf: [{ type: "string", maxLength: 4 }, { type: "null" }] },
        item: { $ref: "#/$defs/Item" },
        tags: { oneOf: [{ type: "array", items: { enum: ["a", "b"] } }, { type: "null" }] },
        extra: { oneOf: [{ type: ["string", "number", "boolean", "null"] }, { type: "object", additionalProperties: true }] },
      },
      required: ["item"],
      $defs: { Item: { type: "object", properties: { n: { type: "integer" } } } },
    });
    expect(JSON.stringify(pydantic)).toBe(before); // the client's schema is not touched
    expect(grammarSchema({ type: "object" }, "format")).toEqual({ type: "object", additionalProperties: true });
  });

  test.each([
    [{ type: "integer", minimum: 10 }, /schema: the keyword "minimum"/],
    [{ type: "object", properties: { id: { type: "string", pattern: "^[0-9]+$" } } }, /schema\.properties\.id: the keyword "pattern"/],
    [{ type: "number", multipleOf: 5 }, /"multipleOf"/],
    [{ type: "string", format: "email" }, /format "email" \(supported: date-time, date, time\)/],
    [{ type: "array", items: { type: "integer" }, uniqueItems: true }, /uniqueItems/],
    [{ $ref: "#/components/schemas/X" }, /\$ref "#\/components\/schemas\/X"/],
    [{ allOf: [{ type: "object" }, { required: ["a"] }] }, /allOf with more than one schema/],
    [{ type: "object", properties: { a: { type: "string" } }, oneOf: [{ required: ["a"] }] }, /anyOf\/oneOf next to type, properties/],
    [{ enum: [{ a: 1 }] }, /enum with objects or arrays/],
    [false, /accepts nothing/],
  ])("refuses what it cannot enforce, naming the spot: %j", (schema, message) => {
    expect(() => grammarSchema(schema, "format")).toThrow(expect.objectContaining({
      code: "invalid_request", message: expect.stringMatching(message), details: expect.objectContaining({ param: "format" }),
    }));
  });
});

describe("tuples closed with items: false (and the older additionalItems)", () => {
  test("become prefixItems with maxItems at their length; an impossible minItems is refused", () => {
    const pair = [{ type: "integer" }, { type: "boolean" }];
    expect(grammarSchema({ type: "array", prefixItems: pair, items: false }, "format")).toEqual({ type: "array", prefixItems: pair, maxItems: 2 });
    expect(grammarSchema({ type: "array", items: pair, additionalItems: false, minItems: 2 }, "format")).toEqual({ type: "array", prefixItems: pair, minItems: 2, maxItems: 2 });
    expect(grammarSchema({ items: [{ type: "integer" }], additionalItems: { type: "boolean" } }, "format"))
      .toEqual({ type: "array", prefixItems: [{ type: "integer" }], items: { type: "boolean" } });
    expect(grammarSchema({ type: "array", items: false }, "format")).toEqual({ type: "array", maxItems: 0 });
    // additionalItems means nothing beside a single items schema.
    expect(grammarSchema({ type: "array", items: { type: "integer" }, additionalItems: false }, "format")).toEqual({ type: "array", items: { type: "integer" } });
    expect(() => grammarSchema({ type: "array", prefixItems: pair, items: false, minItems: 3 }, "format")).toThrow(/accepts nothing/);
  });
});

describe("generation under a converted schema validates against the original", () => {
  let runtime: Runtime;
  let tiny: LocalModelRef;
  beforeAll(async () => {
    tiny = { name: "tiny", path: await testModel() };
    runtime = new Runtime({ gpu: false, contextSize: 1024 });
  });
  afterAll(() => runtime.close());

  // Bounded values only: random weights rarely close a free string.
  const schema = {
    type: "object",
    properties: {
      ok: { type: "boolean" },
      size: { anyOf: [{ enum: ["S", "M", "L"] }, { type: "null" }] },
      code: { type: ["string", "null"], maxLength: 3 },
      item: { $ref: "#/$defs/Item" },
      meta: { type: "object", properties: { n: { enum: [1, 2, 3] } } },
    },
    required: ["ok", "size", "item"],
    additionalProperties: false,
    $defs: { Item: { properties: { kind: { const: "box" }, when: { type: "string", format: "date" } } } },
  };
  const validate = new Ajv2020({ strict: false, validateFormats: false }).compile(schema);

  test("12 seeds: every answer parses and validates (anyOf, type lists with maxLength, $ref without type)", async () => {
    for (let seed = 0; seed < 12; seed++) {
      const r = await runtime.chat(tiny, [{ role: "user", content: "Describe an order" }], { seed, maxTokens: 200, temperature: 1, format: { type: "json_schema", schema } });
      if (r.finishReason === "length") continue; // cut off mid-value: nothing to validate
      const value = JSON.parse(r.text);
      expect(validate(value), `seed ${seed}: ${r.text} ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  }, 120_000);

  test("numbers and dates validate: integers without exponent, numbers finite, real calendar days (12 seeds)", async () => {
    // Before the corrected rules (grammarRules.ts), 36 of 60 answers had an exponent that broke
    // an integer or made Infinity, and dates came out as 02-30 or 11-31.
    const values = {
      type: "object",
      properties: {
        count: { type: "integer" }, price: { type: "number" }, ids: { type: "array", items: { type: "integer" }, maxItems: 3 },
        day: { type: "string", format: "date" }, at: { type: "string", format: "date-time" },
      },
      required: ["count", "price", "ids", "day", "at"],
      additionalProperties: false,
    };
    const ajv = new Ajv2020({ strict: false });
    ajv.addFormat("date", isDate);
    ajv.addFormat("date-time", (v: string) => isDate(v.slice(0, 10)) && v[10] === "T");
    const check = ajv.compile(values);
    let validated = 0;
    for (let seed = 0; seed < 12; seed++) {
      const r = await runtime.chat(tiny, [{ role: "user", content: "Price a box" }], { seed, maxTokens: 300, temperature: 1, format: { type: "json_schema", schema: values } });
      if (r.finishReason === "length") continue;
      expect(check(JSON.parse(r.text)), `seed ${seed}: ${r.text} ${JSON.stringify(check.errors)}`).toBe(true);
      validated++;
    }
    expect(validated).toBeGreaterThanOrEqual(6);
    // The same rules in every grammar node-llama-cpp builds from a schema (tool parameters too).
    const grammar = (await (await getLlama({ gpu: false })).createGrammarForJsonSchema(values as never)).grammar;
    expect(grammar).toContain(`::= ${INTEGER_RULE}\n`);
    expect(grammar).toContain(`::= ${NUMBER_RULE}\n`);
    expect(grammar).toContain(DATE_RULE);
  }, 120_000);

  test("strings keep their minLength: tokens the answer does not show are banned under JSON formats (40 seeds)", async () => {
    // <s> or <unk> could fill minLength in the grammar's reading and vanish from the answer.
    const short = { type: "object", properties: { s: { type: "string", minLength: 2, maxLength: 5 } }, required: ["s"], additionalProperties: false };
    // The demo model's weights (seed 1): before the ban, seeds 11, 28 and 34 answered "s": "".
    const demo = { name: "demo", path: await testModel({ seed: 1 }) };
    let checked = 0;
    for (let seed = 0; seed < 40; seed++) {
      const r = await runtime.chat(demo, [{ role: "user", content: "json" }], { seed, maxTokens: 200, temperature: 1, format: { type: "json_schema", schema: short } });
      if (r.finishReason === "length") continue;
      expect([...JSON.parse(r.text).s].length, `seed ${seed}: ${r.text}`).toBeGreaterThanOrEqual(2);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(25);
  }, 120_000);

  test("the date rule takes exactly the calendar's days", () => {
    // The rule's GBNF read as a regular expression (it uses only literals, classes, groups and counts).
    const re = new RegExp(`^${DATE_RULE.replace(/"([^"]*)"/g, (_, lit: string) => lit.replace(/[-+]/g, "\\$&")).replace(/\s+/g, "")}$`);
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    for (const year of [0, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9996, 9999]) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const text = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          expect(re.test(text), text).toBe(isDate(text));
        }
      }
    }
  });

  test("a schema it cannot enforce is refused before anything runs", async () => {
    await expect(runtime.chat(tiny, [{ role: "user", content: "hi" }], { format: { type: "json_schema", schema: { type: "integer", maximum: 3 } } }))
      .rejects.toMatchObject({ code: "invalid_request", details: { param: "format" } });
    await expect(runtime.chat(tiny, [{ role: "user", content: "hi" }], { tools: [{ name: "f", strict: true, parameters: { type: "object", properties: { a: { type: "string", pattern: "x" } } } }] }))
      .rejects.toMatchObject({ code: "invalid_request", details: { param: "tools" } });
  });

  test("a tool that is not strict keeps what the grammar can enforce and drops the value constraints it cannot", async () => {
    // Claude Code's Bash and WebFetch tools, as it sends them.
    const bash = { $schema: "http://json-schema.org/draft-07/schema#", type: "object", additionalProperties: false, required: ["command"],
      properties: { command: { type: "string" }, timeout: { type: "number", maximum: 600000 }, url: { type: "string", format: "uri", pattern: "^https?:" } } };
    expect(grammarSchema(bash, "tools", { lenient: true })).toEqual({
      type: "object", additionalProperties: false, required: ["command"],
      properties: { command: { type: "string" }, timeout: { type: "number" }, url: { type: "string" } },
    });
    // Formats it can enforce stay; structure it cannot follow is still refused.
    expect(grammarSchema({ type: "string", format: "date" }, "tools", { lenient: true })).toEqual({ type: "string", format: "date" });
    expect(() => grammarSchema({ allOf: [{ type: "string" }, { type: "number" }] }, "tools", { lenient: true })).toThrow(/allOf/);
    expect(() => grammarSchema(bash, "tools")).toThrow(/maximum/);
    const r = await runtime.chat(tiny, [{ role: "user", content: "run ls" }], {
      tools: [{ name: "Bash", parameters: bash }], toolChoice: "auto", maxTokens: 4,
    });
    expect(["stop", "length", "tool_calls"]).toContain(r.finishReason);
  });
});

/** A real calendar day, YYYY-MM-DD (what a validator's `format: "date"` checks). */
function isDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}
