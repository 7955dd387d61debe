import type OpenAI from "openai";
import { expect, test } from "vitest";
import type { Ctx } from "../helpers.ts";

/** Grammar-constrained output and tools. Bounded schemas only: random weights never close a free string. */
export function structuredCases(ctx: Ctx) {
  const COLORS = ["red", "green", "blue"];
  const schema = {
    type: "object",
    properties: { ok: { type: "boolean" }, color: { enum: COLORS } },
    required: ["ok", "color"],
    additionalProperties: false,
  };

  test("json_schema output parses and validates", async () => {
    const r = await ctx.ai.chat.completions.create({
      model: "tiny", max_tokens: 60, seed: 3,
      messages: [{ role: "user", content: "Pick a color" }],
      response_format: { type: "json_schema", json_schema: { name: "pick", schema, strict: true } },
    });
    const v = JSON.parse(r.choices[0].message.content!);
    expect(Object.keys(v).sort()).toEqual(["color", "ok"]);
    expect(typeof v.ok).toBe("boolean");
    expect(COLORS).toContain(v.color);
  });

  test("integers, numbers and dates in a json_schema answer validate (8 seeds)", async () => {
    // node-llama-cpp's rules allowed 5e-3 for an integer, 4e9999 for a number and 2023-02-30 for a date (src/runtime/grammarRules.ts).
    const values = {
      type: "object",
      properties: { count: { type: "integer" }, price: { type: "number" }, day: { type: "string", format: "date" } },
      required: ["count", "price", "day"],
      additionalProperties: false,
    };
    let checked = 0;
    for (let seed = 0; seed < 8; seed++) {
      const r = await ctx.ai.chat.completions.create({
        model: "tiny", max_tokens: 120, seed, temperature: 1, messages: [{ role: "user", content: "Price a box" }],
        response_format: { type: "json_schema", json_schema: { name: "price", schema: values, strict: true } },
      });
      if (r.choices[0].finish_reason !== "stop") continue;
      const v = JSON.parse(r.choices[0].message.content!);
      expect(Number.isInteger(v.count), `seed ${seed}: ${r.choices[0].message.content}`).toBe(true);
      expect(Number.isFinite(v.price), `seed ${seed}: ${r.choices[0].message.content}`).toBe(true);
      const [y, m, d] = String(v.day).split("-").map(Number);
      const date = new Date(0);
      date.setUTCFullYear(y, m - 1, d);
      expect(date.getUTCMonth() === m - 1 && date.getUTCDate() === d, `seed ${seed}: ${v.day}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });

  test("a schema keyword the grammar cannot enforce is refused (400), not silently dropped", async () => {
    const bounded = { type: "object", properties: { n: { type: "integer", minimum: 10, maximum: 20 } }, required: ["n"] };
    const err = await ctx.ai.chat.completions.create({
      model: "tiny", max_tokens: 20, messages: [{ role: "user", content: "A number" }],
      response_format: { type: "json_schema", json_schema: { name: "n", schema: bounded } },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 400, param: "response_format", message: expect.stringContaining('schema.properties.n: the keyword "minimum"') });
  });

  const weather: OpenAI.ChatCompletionTool = {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather in a city",
      parameters: {
        type: "object",
        properties: { city: { enum: ["Paris", "Tokyo"] }, metric: { type: "boolean" } },
        required: ["city", "metric"],
        additionalProperties: false,
      },
    },
  };
  const forced = { type: "function" as const, function: { name: "get_weather" } };

  function checkArgs(args: string) {
    const a = JSON.parse(args);
    expect(["Paris", "Tokyo"]).toContain(a.city);
    expect(typeof a.metric).toBe("boolean");
  }

  test("a forced tool call, then the tool's result back, then an answer", async () => {
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
    const r = await ctx.ai.chat.completions.create({ model: "tiny", messages, tools: [weather], tool_choice: forced, max_tokens: 80, seed: 4 });
    const choice = r.choices[0];
    expect(choice.finish_reason).toBe("tool_calls");
    const call = choice.message.tool_calls![0] as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call).toMatchObject({ type: "function", id: expect.any(String), function: { name: "get_weather" } });
    checkArgs(call.function.arguments);

    messages.push(choice.message, { role: "tool", tool_call_id: call.id, content: '{"temperature": 21}' });
    const answer = await ctx.ai.chat.completions.create({ model: "tiny", messages, tools: [weather], max_tokens: 8, seed: 4 });
    expect(typeof answer.choices[0].message.content).toBe("string");
    expect(answer.usage!.prompt_tokens).toBeGreaterThan(r.usage!.prompt_tokens);
  });

  test("a streamed tool call arrives as indexed tool_calls deltas", async () => {
    const stream = await ctx.ai.chat.completions.create({
      model: "tiny", messages: [{ role: "user", content: "Weather?" }], tools: [weather], tool_choice: forced,
      max_tokens: 80, seed: 9, stream: true,
    });
    const calls: { id?: string; name?: string; args: string }[] = [];
    let finish: string | null = null;
    for await (const c of stream) {
      for (const t of c.choices[0]?.delta.tool_calls ?? []) {
        calls[t.index] ??= { args: "" };
        if (t.id) calls[t.index].id = t.id;
        if (t.function?.name) calls[t.index].name = t.function.name;
        calls[t.index].args += t.function?.arguments ?? "";
        if (t.id) expect(t.type).toBe("function");
      }
      finish = c.choices[0]?.finish_reason ?? finish;
    }
    expect(finish).toBe("tool_calls");
    expect(calls[0]).toMatchObject({ id: expect.any(String), name: "get_weather" });
    checkArgs(calls[0].args);
  });
}
