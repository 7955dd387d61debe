import { describe, expect, test } from "vitest";
import { FreeholdError } from "../../../src/errors.ts";
import { checkJsonSchema } from "../../../src/api/openai/jsonSchema.ts";
import { parseWire } from "../../../src/api/openai/parse.ts";
import { chatRequest, completionRequest, embeddingRequest } from "../../../src/api/openai/schemas.ts";
import { chatPlan, completionPlan, embeddingPlan, rejectUnsupported } from "../../../src/api/openai/translate.ts";

const user = (content: unknown) => ({ role: "user", content });
const chat = (extra: object = {}) => chatPlan(parseWire(chatRequest, { model: "m", messages: [user("hi")], ...extra }));

/** The error a thunk throws, as {code, param}. */
function errorOf(fn: () => unknown): { code: string; param?: string; message: string } {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FreeholdError);
    const f = e as FreeholdError;
    return { code: f.code, param: f.details.param, message: f.message };
  }
  throw new Error("expected an error");
}

describe("chat request → internal", () => {
  test("sampling fields map one to one; nulls mean unset", () => {
    const p = chat({
      max_tokens: 5, temperature: 0.5, top_p: 0.9, top_k: 40, min_p: 0.1, seed: 7, stop: "x", presence_penalty: 1,
      frequency_penalty: -1, logit_bias: { "12": -100 }, n: 3, stream: true, stream_options: { include_usage: true },
      user: "u1", top_logprobs: null,
    });
    expect(p.opts).toMatchObject({ maxTokens: 5, temperature: 0.5, topP: 0.9, topK: 40, minP: 0.1, seed: 7, stop: ["x"],
      presencePenalty: 1, frequencyPenalty: -1, logitBias: { 12: -100 } });
    expect(p).toMatchObject({ n: 3, stream: true, includeUsage: true, maxTokensParam: "max_tokens" });
  });

  test("max_completion_tokens wins and is named in errors", () => {
    const p = chat({ max_tokens: 5, max_completion_tokens: 9 });
    expect(p.opts.maxTokens).toBe(9);
    expect(p.maxTokensParam).toBe("max_completion_tokens");
    expect(p.opts.maxTokensIsCompletionBudget).toBe(true);
  });

  test("parallel_tool_calls is kept (false = at most one call) and needs tools", () => {
    const tools = [{ type: "function", function: { name: "f" } }];
    expect(chat({ tools, parallel_tool_calls: false }).opts.parallelToolCalls).toBe(false);
    expect(errorOf(() => chat({ parallel_tool_calls: false }))).toMatchObject({ code: "invalid_request", param: "parallel_tool_calls" });
    expect(chat({ user: "u1" }).opts.user).toBe("u1");
  });

  test("messages: parts joined, developer is system, tool calls and results kept", () => {
    const p = chatPlan(parseWire(chatRequest, {
      model: "m",
      messages: [
        { role: "developer", content: "be brief" },
        user([{ type: "text", text: "a" }, { type: "text", text: "b" }]),
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "42" },
      ],
    }));
    expect(p.messages).toEqual([
      { role: "system", content: "be brief" },
      { role: "user", content: "a\nb", name: undefined },
      { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "f", arguments: "{}" }] },
      { role: "tool", content: "42", toolCallId: "c1" },
    ]);
  });

  test("images are refused naming the part", () => {
    const e = errorOf(() => chat({ messages: [user([{ type: "text", text: "a" }, { type: "image_url", image_url: { url: "x" } }])] }));
    expect(e).toMatchObject({ code: "invalid_request", param: "messages.0.content.1" });
    expect(e.message).toContain("does not accept images");
  });

  test("wire errors name the field, also inside unions", () => {
    expect(errorOf(() => chat({ temperature: "hot" })).param).toBe("temperature");
    expect(errorOf(() => chat({ messages: "x" })).param).toBe("messages");
    expect(errorOf(() => chat({ messages: [] })).param).toBe("messages");
    expect(errorOf(() => chat({ messages: [{ role: "wizard", content: "x" }] })).param).toBe("messages.0.role");
    expect(errorOf(() => chat({ messages: [user([{ type: "text" }])] })).param).toBe("messages.0.content.0.text");
    expect(errorOf(() => chat({ max_tokens: -1 })).param).toBe("max_tokens");
    expect(errorOf(() => chat({ n: 9 })).param).toBe("n");
    expect(errorOf(() => chat({ stop: ["a", "b", "c", "d", "e"] })).param).toBe("stop");
    expect(errorOf(() => chat({ logit_bias: { x: 1 } })).param).toBe("logit_bias.x");
  });

  test("cross-field rules", () => {
    expect(errorOf(() => chat({ top_logprobs: 2 })).param).toBe("top_logprobs");
    expect(chat({ logprobs: true, top_logprobs: 2 }).opts.logprobs).toBe(2);
    expect(errorOf(() => chat({ tool_choice: "required" })).param).toBe("tool_choice");
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    expect(errorOf(() => chat({ tools, tool_choice: { type: "function", function: { name: "g" } } })).param).toBe("tool_choice.function.name");
    expect(chat({ tools, tool_choice: { type: "function", function: { name: "f" } } }).opts.toolChoice).toEqual({ name: "f" });
  });

  test("response_format → output format, schemas checked", () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
    expect(chat({ response_format: { type: "json_schema", json_schema: { name: "x", schema } } }).opts.format)
      .toEqual({ type: "json_schema", schema, name: "x", strict: undefined });
    expect(chat({ response_format: { type: "json_object" } }).opts.format).toEqual({ type: "json_object" });
    const bad = { type: "json_schema", json_schema: { name: "x", schema: { type: "objekt" } } };
    expect(errorOf(() => chat({ response_format: bad })).param).toBe("response_format.json_schema.schema.type");
  });

  test("meaning-changing extras are refused, harmless ones ignored", () => {
    expect(errorOf(() => rejectUnsupported({ audio: { voice: "x" } })).param).toBe("audio");
    expect(errorOf(() => rejectUnsupported({ modalities: ["text", "audio"] })).param).toBe("modalities");
    expect(() => rejectUnsupported({ modalities: ["text"], store: true, metadata: {} })).not.toThrow();
  });
});

describe("json schema check", () => {
  test("accepts ordinary schemas, rejects malformed ones with a path", () => {
    expect(() => checkJsonSchema({ type: ["string", "null"], $defs: { a: { enum: [1] } }, anyOf: [{ $ref: "#/$defs/a" }] }, "s")).not.toThrow();
    expect(errorOf(() => checkJsonSchema({ type: "object", properties: 5 }, "s")).param).toBe("s.properties");
    expect(errorOf(() => checkJsonSchema({ properties: { a: { minLength: -1 } } }, "s")).param).toBe("s.properties.a.minLength");
    expect(errorOf(() => checkJsonSchema({ required: "a" }, "s")).param).toBe("s.required");
    expect(errorOf(() => checkJsonSchema("string", "s")).param).toBe("s");
  });

  test("deep nesting is bounded, not a stack overflow", () => {
    let s: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 10_000; i++) s = { type: "array", items: s };
    expect(errorOf(() => checkJsonSchema(s, "s")).message).toContain("deeper");
  });
});

describe("completions and embeddings → internal", () => {
  test("prompts", () => {
    expect(completionPlan(parseWire(completionRequest, { model: "m", prompt: ["a", "b"], n: 2 })).prompts).toEqual(["a", "b"]);
    expect(completionPlan(parseWire(completionRequest, { model: "m", prompt: [1, 2] })).prompts).toEqual([[1, 2]]);
    expect(completionPlan(parseWire(completionRequest, { model: "m", prompt: [[1, 2], [3]] })).prompts).toEqual([[1, 2], [3]]);
    expect(errorOf(() => completionPlan(parseWire(completionRequest, { model: "m", prompt: [[1], []] }))).param).toBe("prompt.1");
    const scored = completionPlan(parseWire(completionRequest, { model: "m", prompt: "a", echo: true, logprobs: 1, max_tokens: 0 }));
    expect(scored.opts).toMatchObject({ promptLogprobs: true, logprobs: 1, maxTokens: 0 });
    expect(errorOf(() => completionPlan(parseWire(completionRequest, { model: "m", prompt: "a", max_tokens: 0 }))).param).toBe("max_tokens");
    expect(completionPlan(parseWire(completionRequest, { model: "m", prompt: "a", suffix: "" })).opts.suffix).toBe(""); // insert at the end
    expect(errorOf(() => completionPlan(parseWire(completionRequest, { model: "m", prompt: "a", suffix: "b", echo: true }))).param).toBe("echo");
    expect(completionPlan(parseWire(completionRequest, { model: "m", prompt: "a", logprobs: 2 })).opts.logprobs).toBe(2);
  });

  test("inputs", () => {
    expect(embeddingPlan(parseWire(embeddingRequest, { model: "m", input: "a", encoding_format: "base64" })))
      .toEqual({ model: "m", inputs: ["a"], base64: true, dimensions: undefined });
    expect(embeddingPlan(parseWire(embeddingRequest, { model: "m", input: [[1, 2]] })).inputs).toEqual([[1, 2]]);
    expect(embeddingPlan(parseWire(embeddingRequest, { model: "m", input: [5, 6] })).inputs).toEqual([[5, 6]]);
    expect(errorOf(() => embeddingPlan(parseWire(embeddingRequest, { model: "m", input: ["a", ""] }))).param).toBe("input.1");
  });
});
