import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { grammarSchema } from "../../src/runtime/grammarSchema.ts";
import { Runtime } from "../../src/runtime/index.ts";
import { getLlama } from "../../src/runtime/llama.ts";
import { INTEGER_RULE, NUMBER_RULE } from "../../src/runtime/numberGrammar.ts";
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

  test("numbers validate: integers without exponent, numbers always finite (12 seeds; before, 36 of 60 answers failed)", async () => {
    const numbers = {
      type: "object",
      properties: { count: { type: "integer" }, price: { type: "number" }, ids: { type: "array", items: { type: "integer" }, maxItems: 3 } },
      required: ["count", "price", "ids"],
      additionalProperties: false,
    };
    const check = new Ajv2020({ strict: false }).compile(numbers);
    let validated = 0;
    for (let seed = 0; seed < 12; seed++) {
      const r = await runtime.chat(tiny, [{ role: "user", content: "Price a box" }], { seed, maxTokens: 200, temperature: 1, format: { type: "json_schema", schema: numbers } });
      if (r.finishReason === "length") continue;
      expect(check(JSON.parse(r.text)), `seed ${seed}: ${r.text} ${JSON.stringify(check.errors)}`).toBe(true);
      validated++;
    }
    expect(validated).toBeGreaterThanOrEqual(6);
    // The same rules in every grammar node-llama-cpp builds from a schema (tool parameters too).
    const grammar = await (await getLlama({ gpu: false })).createGrammarForJsonSchema(numbers as never);
    expect(grammar.grammar).toContain(`::= ${INTEGER_RULE}\n`);
    expect(grammar.grammar).toContain(`::= ${NUMBER_RULE}\n`);
  }, 120_000);

  test("a schema it cannot enforce is refused before anything runs", async () => {
    await expect(runtime.chat(tiny, [{ role: "user", content: "hi" }], { format: { type: "json_schema", schema: { type: "integer", maximum: 3 } } }))
      .rejects.toMatchObject({ code: "invalid_request", details: { param: "format" } });
    await expect(runtime.chat(tiny, [{ role: "user", content: "hi" }], { tools: [{ name: "f", parameters: { type: "object", properties: { a: { type: "string", pattern: "x" } } } }] }))
      .rejects.toMatchObject({ code: "invalid_request", details: { param: "tools" } });
  });
});
