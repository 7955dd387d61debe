import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import type { LocalModelRef } from "../../src/runtime/types.ts";
import { testModel } from "../helpers/models.ts";

let runtime: Runtime;
let dense: LocalModelRef;
let moe: LocalModelRef;

beforeAll(async () => {
  dense = { name: "tiny", path: await testModel() };
  moe = { name: "tiny-moe", path: await testModel({ shape: "tiny-moe" }) };
  runtime = new Runtime({ gpu: false, contextSize: 1024 });
});
afterAll(() => runtime.close());

const hello = [{ role: "user" as const, content: "hello" }];

describe("runtime generation", () => {
  test.each([["dense", () => dense], ["MoE", () => moe]])("%s model loads, streams and counts usage", async (_, ref) => {
    const deltas: string[] = [];
    const r = await runtime.chat(ref(), hello, { maxTokens: 12, seed: 1, onDelta: (d) => d.text && deltas.push(d.text) });
    expect(r.finishReason).toBe("length");
    expect(r.usage.completionTokens).toBe(12);
    expect(r.usage.promptTokens).toBeGreaterThan(5);
    expect(deltas.join("")).toBe(r.text);
    expect(r.timings.totalMs).toBeGreaterThanOrEqual(r.timings.firstTokenMs);
  });

  test("same seed and input give the same text; another seed gives another", async () => {
    const opts = { maxTokens: 24, temperature: 1 };
    for (const ref of [dense, moe]) {
      const a = await runtime.chat(ref, hello, { ...opts, seed: 7 });
      const b = await runtime.chat(ref, hello, { ...opts, seed: 7 });
      const c = await runtime.chat(ref, hello, { ...opts, seed: 8 });
      expect(b.text).toBe(a.text);
      expect(c.text).not.toBe(a.text);
    }
    const x = await runtime.complete(dense, "The quick brown", { ...opts, seed: 3 });
    const y = await runtime.complete(dense, "The quick brown", { ...opts, seed: 3 });
    expect(y.text).toBe(x.text);
  });

  test("without a seed, requests sampled in the same second still differ", async () => {
    // node-llama-cpp seeds an unseeded sampler from the clock in whole seconds: these all start
    // within one, and came back identical before the runtime drew a seed of its own.
    const opts = { maxTokens: 24, temperature: 1 };
    const chats = await Promise.all([1, 2, 3].map(() => runtime.chat(dense, hello, opts)));
    const texts = await Promise.all([1, 2, 3].map(() => runtime.complete(dense, "The quick brown", opts)));
    expect(new Set(chats.map((r) => r.text)).size).toBeGreaterThan(1);
    expect(new Set(texts.map((r) => r.text)).size).toBeGreaterThan(1);
  });

  test("a completion's prompt usage equals tokenize(); maxTokens ends with length", async () => {
    const prompt = "hello world, this is a prompt";
    const tokens = await runtime.tokenize(dense, prompt);
    const r = await runtime.complete(dense, prompt, { maxTokens: 9, seed: 1 });
    expect(r.usage).toEqual({ promptTokens: tokens.length, completionTokens: 9 });
    expect(r.finishReason).toBe("length");
  });

  test("a completion continues its prompt: the first token keeps its leading space, as llama-server sends it", async () => {
    let spaced = 0;
    for (let i = 0; i < 12; i++) {
      // Seeded sampling: the tiny model's greedy first token is always the same control token.
      const r = await runtime.complete(dense, `Request ${i}: river stone`, { maxTokens: 3, temperature: 1, seed: i, logprobs: 0 });
      // Each token's bytes are read after the token before it; the text must be exactly their sum.
      expect(r.text).toBe(Buffer.from(r.logprobs!.flatMap((t) => t.bytes)).toString("utf8"));
      if (r.logprobs![0].token.startsWith(" ")) spaced++;
    }
    expect(spaced).toBeGreaterThan(0); // the check above ran on at least one first token with a space
  });

  test("a stop string ends the text before it", async () => {
    const free = await runtime.complete(dense, "abc", { maxTokens: 40, seed: 5, temperature: 0 });
    const stop = free.text.slice(10, 12);
    const r = await runtime.complete(dense, "abc", { maxTokens: 40, seed: 5, temperature: 0, stop: [stop] });
    expect(r.finishReason).toBe("stop");
    expect(r.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
  });

  test("a prompt longer than the context fails before generating, with the counts", async () => {
    const long = "hello world ".repeat(1000);
    await expect(runtime.chat(dense, [{ role: "user", content: long }])).rejects.toMatchObject({
      code: "context_length_exceeded", message: expect.stringMatching(/\d+ tokens .* holds 1024/),
    });
    await expect(runtime.complete(dense, long)).rejects.toMatchObject({ code: "context_length_exceeded" });
  });

  test("a bounded JSON schema yields parseable, valid JSON", async () => {
    const schema = { type: "object", properties: { ok: { type: "boolean" }, color: { enum: ["red", "green", "blue"] } }, required: ["ok", "color"] };
    for (const seed of [1, 2]) {
      const r = await runtime.chat(dense, hello, { seed, maxTokens: 80, format: { type: "json_schema", schema } });
      const value = JSON.parse(r.text);
      expect(typeof value.ok).toBe("boolean");
      expect(["red", "green", "blue"]).toContain(value.color);
    }
    const g = await runtime.complete(dense, "x", { seed: 1, maxTokens: 10, format: { type: "gbnf", grammar: 'root ::= "yes" | "no"' } });
    expect(["yes", "no"]).toContain(g.text);
    await expect(runtime.chat(dense, hello, { format: { type: "gbnf", grammar: "root ::= (" } })).rejects.toMatchObject({ code: "invalid_request" });
  });

  test("logit bias bans a token; logprobs come with completions and chat", async () => {
    const free = await runtime.complete(dense, "abc", { maxTokens: 1, temperature: 0, logprobs: 3 });
    const chosen = free.logprobs![0];
    expect(chosen.top).toHaveLength(3);
    expect(chosen.logprob).toBeLessThanOrEqual(0);
    const first = (await runtime.tokenize(dense, "abc")).length; // the greedy token is new; find its id via a 1-token run
    expect(first).toBeGreaterThan(0);
    const greedy = await runtime.complete(dense, "abc", { maxTokens: 1, temperature: 0 });
    const ids = (await runtime.tokenize(dense, greedy.text)).slice(1);
    const banned = await runtime.complete(dense, "abc", { maxTokens: 1, temperature: 0, logitBias: Object.fromEntries(ids.map((id) => [id, -100])) });
    expect(banned.text).not.toBe(greedy.text);
    const chat = await runtime.chat(dense, hello, { maxTokens: 4, temperature: 0, logprobs: 1 });
    expect(chat.logprobs!.length).toBeGreaterThan(0);
    expect(chat.logprobs![0].top).toHaveLength(1);
  });

  test("logit bias on end-of-generation tokens is honoured: a ban runs to maxTokens, a boost stops at once", async () => {
    // node-llama-cpp's TokenBias.set drops EOS/EOT silently; the runtime must not.
    // A prompt whose greedy continuation ends by itself on this model.
    let prompt: string | undefined;
    for (const p of ["hello", "The quick brown", "1 2 3"]) {
      const free = await runtime.complete(dense, p, { maxTokens: 100, temperature: 0 });
      if (free.finishReason === "stop") { prompt = p; break; }
    }
    expect(prompt).toBeDefined();
    const { eos, eot } = runtime.pool.peek(dense)!.model.tokens;
    expect(eos).not.toBeNull();
    const ban = Object.fromEntries([eos, eot].filter((t) => t !== null).map((t) => [t, -100]));
    const banned = await runtime.complete(dense, prompt!, { maxTokens: 100, temperature: 0, logitBias: ban });
    expect([banned.finishReason, banned.usage.completionTokens]).toEqual(["length", 100]);
    const boosted = await runtime.complete(dense, "abc", { maxTokens: 50, temperature: 0, logitBias: { [eos!]: 100 } });
    expect([boosted.finishReason, boosted.text]).toEqual(["stop", ""]);
    // Chat ends on the template's end-of-turn token: banning it lets the answer run on.
    const chatBanned = await runtime.chat(dense, hello, { maxTokens: 40, temperature: 0, logitBias: ban });
    expect(chatBanned.finishReason).toBe("length");
    const chatBoosted = await runtime.chat(dense, hello, { maxTokens: 40, temperature: 0, logitBias: Object.fromEntries(Object.keys(ban).map((t) => [t, 100])) });
    expect([chatBoosted.finishReason, chatBoosted.text]).toEqual(["stop", ""]);
  });

  test("embeddings have the model's width; identical inputs give identical vectors", async () => {
    const r = await runtime.embed(dense, ["hello world", "hello world", "other text"]);
    expect(r.embeddings.map((v) => v.length)).toEqual([64, 64, 64]);
    expect(r.embeddings[1]).toEqual(r.embeddings[0]);
    expect(r.embeddings[2]).not.toEqual(r.embeddings[0]);
    expect(r.promptTokens).toBeGreaterThan(3);
  });

  test("toolChoice required / named: the answer is a tool call with schema-valid arguments", async () => {
    const tools = [
      { name: "get_weather", description: "weather for a city", parameters: { type: "object", properties: { city: { enum: ["Paris", "Oslo"] }, hot: { type: "boolean" } }, required: ["city"] } },
      { name: "noop", parameters: { type: "object", properties: { x: { type: "boolean" } } } },
    ];
    for (const toolChoice of [{ name: "get_weather" }, "required"] as const) {
      const streamed: string[] = [];
      const r = await runtime.chat(dense, hello, { tools, toolChoice, seed: 2, maxTokens: 80, onDelta: (d) => d.toolCalls?.forEach((c) => streamed.push(c.name)) });
      expect(r.finishReason).toBe("tool_calls");
      expect(r.toolCalls!.length).toBeGreaterThan(0);
      const [call] = r.toolCalls!;
      expect(call.id).toMatch(/^call_/);
      expect(streamed).toEqual(r.toolCalls!.map((c) => c.name));
      if (typeof toolChoice === "object") expect(call.name).toBe("get_weather");
      if (call.name === "get_weather") expect(["Paris", "Oslo"]).toContain(JSON.parse(call.arguments).city);
    }
    const none = await runtime.chat(dense, hello, { tools, toolChoice: "none", seed: 2, maxTokens: 5 });
    expect(none.finishReason).toBe("length");
  });

  test("tool messages map onto the template; a bad LoRA path is a clear error", async () => {
    const tools = [{ name: "get_weather", description: "weather for a city", parameters: { type: "object", properties: { city: { type: "string" } } } }];
    const r = await runtime.chat(dense, [
      { role: "user", content: "weather in Paris?" },
      { role: "assistant", content: "", toolCalls: [{ id: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' }] },
      { role: "tool", toolCallId: "call_1", content: '{"temp":21}' },
    ], { tools, maxTokens: 5, seed: 1 });
    expect(r.usage.completionTokens).toBeGreaterThan(0);
    await expect(runtime.chat(dense, [{ role: "tool", toolCallId: "nope", content: "x" }])).rejects.toMatchObject({ code: "invalid_request" });
    await expect(runtime.chat(dense, hello, { lora: [{ path: "/nonexistent/adapter.gguf" }] })).rejects.toMatchObject({
      code: "invalid_request", message: expect.stringContaining("/nonexistent/adapter.gguf"),
    });
  });
});
