import { expect, test } from "vitest";
import { post, type Ctx } from "../helpers.ts";

/** Bad input through raw fetch: each gets its own status and OpenAI's error shape naming the field. */
export function badInputCases(ctx: Ctx) {
  const chat = (extra: object) => post(ctx.s.url, "/v1/chat/completions", { model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2, ...extra });

  function expectError(r: Awaited<ReturnType<typeof post>>, status: number, param?: string | null) {
    expect(r.status, r.text).toBe(status);
    expect(r.headers.get("content-type")).toMatch(/application\/json/);
    expect(r.json.error).toMatchObject({ message: expect.any(String), type: expect.any(String) });
    expect(r.json.error).toHaveProperty("code");
    if (param !== undefined) expect(r.json.error.param).toBe(param);
  }

  test("malformed JSON", async () => {
    expectError(await post(ctx.s.url, "/v1/chat/completions", '{"model": "tiny", "messages": [', { raw: true }), 400);
  });

  test("wrong types name the field", async () => {
    expectError(await chat({ messages: "x" }), 400, "messages");
    expectError(await chat({ temperature: "hot" }), 400, "temperature");
    expectError(await chat({ messages: [] }), 400, "messages");
    expectError(await chat({ messages: [{ role: "wizard", content: "hi" }] }), 400, "messages.0.role");
    expectError(await chat({ messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "data:," } }] }] }), 400, "messages.0.content.0");
    expectError(await chat({ audio: { voice: "alloy", format: "mp3" } }), 400, "audio");
  });

  test("stream_options without stream: 400, as OpenAI answers", async () => {
    expectError(await chat({ stream_options: { include_usage: true } }), 400, "stream_options");
  });

  test("unknown model: 404", async () => {
    const r = await chat({ model: "no-such-model" });
    expectError(r, 404);
    expect(r.json.error.message).toContain("no-such-model");
    expect(r.json.error.code).toBe("model_not_found");
    expectError(await post(ctx.s.url, "/v1/embeddings", { model: "nope", input: "a" }), 404);
  });

  test("a prompt longer than the context: 400 context_length_exceeded, also when streaming", async () => {
    const long = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(" ");
    for (const stream of [false, true]) {
      const r = await chat({ messages: [{ role: "user", content: long }], stream });
      expectError(r, 400);
      expect(r.json.error).toMatchObject({ code: "context_length_exceeded", param: "messages" });
    }
    const c = await post(ctx.s.url, "/v1/completions", { model: "tiny", prompt: long, max_tokens: 2 });
    expect(c.json.error).toMatchObject({ code: "context_length_exceeded", param: "prompt" });
  });

  test("max_tokens out of range", async () => {
    expectError(await chat({ max_tokens: -1 }), 400, "max_tokens");
    expectError(await chat({ max_tokens: 1e9 }), 400, "max_tokens");
    expectError(await chat({ max_completion_tokens: 1e9 }), 400, "max_completion_tokens");
    expectError(await chat({ max_tokens: 1.5 }), 400, "max_tokens");
  });

  test("a 20 MB body: 413", async () => {
    const body = JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "x".repeat(20 * 1024 * 1024) }] });
    const r = await post(ctx.s.url, "/v1/chat/completions", body, { raw: true });
    expectError(r, 413);
  });

  test("an invalid JSON schema in response_format", async () => {
    const rf = (schema: unknown) => ({ response_format: { type: "json_schema", json_schema: { name: "x", schema } } });
    expectError(await chat(rf({ type: "object", properties: { a: { type: "strin" } } })), 400, "response_format.json_schema.schema.properties.a.type");
    expectError(await chat(rf({ type: "object", required: [1] })), 400, "response_format.json_schema.schema.required");
  });

  test("logprobs on legacy completions out of range", async () => {
    expectError(await post(ctx.s.url, "/v1/completions", { model: "tiny", prompt: "a", logprobs: 9 }), 400, "logprobs");
  });

  test("unknown /v1 route: 404 in OpenAI's shape", async () => {
    expectError(await post(ctx.s.url, "/v1/assistants", {}), 404);
  });
}
