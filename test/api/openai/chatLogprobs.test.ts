import type OpenAI from "openai";
import { describe, expect, test } from "vitest";
import { post, useServer } from "./helpers.ts";

/** `logprobs`/`top_logprobs` on /v1/chat/completions for a local model, through the official SDK. */
const ctx = useServer({ models: { tiny: { shape: "tiny" } } });

const ask = [{ role: "user" as const, content: "Say hello" }];
const greedy = { model: "tiny", messages: ask, max_tokens: 24, temperature: 0 };
/** The tiny model's 256 byte-fallback tokens ("<0x00>".."<0xFF>", ids 3-258) banned: every token is whole characters. */
const WHOLE = { logit_bias: Object.fromEntries(Array.from({ length: 256 }, (_, i) => [String(i + 3), -100])) };

type Entry = OpenAI.ChatCompletionTokenLogprob;
const utf8 = (entries: Entry[]) => new TextDecoder().decode(new Uint8Array(entries.flatMap((e) => e.bytes ?? [])));
const encode = (s: string) => [...new TextEncoder().encode(s)];

function expectWellFormed(entries: Entry[], k: number) {
  for (const e of entries) {
    expect(e.logprob).toBeLessThanOrEqual(0);
    expect(e.top_logprobs).toHaveLength(k);
    const mass = e.top_logprobs.reduce((s, a) => s + Math.exp(a.logprob), 0);
    expect(mass).toBeLessThanOrEqual(1 + 1e-6);
    for (let j = 1; j < k; j++) expect(e.top_logprobs[j].logprob).toBeLessThanOrEqual(e.top_logprobs[j - 1].logprob);
  }
}

describe("chat logprobs", () => {
  test.each([
    ["random tokens", {}],
    ["whole-character tokens", WHOLE],
  ])("temperature 0 (%s): the same answer, finish reason and usage as without logprobs; greedy picks the top entry", async (_, extra) => {
    const plain = await ctx.ai.chat.completions.create({ ...greedy, ...extra });
    const r = await ctx.ai.chat.completions.create({ ...greedy, ...extra, logprobs: true, top_logprobs: 5 });
    const [a, b] = [plain.choices[0], r.choices[0]];
    expect(b.message.content).toBe(a.message.content);
    expect(b.finish_reason).toBe(a.finish_reason);
    // The second request may reuse the first's prompt tokens: only prompt_tokens_details differs.
    const counts = (u: typeof r.usage) => ({ ...u, prompt_tokens_details: undefined });
    expect(counts(r.usage)).toEqual(counts(plain.usage));
    expect(a.logprobs).toBeNull();
    expect(b.logprobs!.refusal).toBeNull();
    const entries = b.logprobs!.content!;
    expect(entries.length).toBeGreaterThan(0);
    // Content tokens only: never more than were generated (the end token and a held partial byte are not content).
    expect(entries.length).toBeLessThanOrEqual(r.usage!.completion_tokens);
    expectWellFormed(entries, 5);
    for (const e of entries) {
      expect(e.logprob).toBe(e.top_logprobs[0].logprob);
      // The same token (an answer's first token may read without the leading space it has alone).
      expect(e.top_logprobs[0].token.endsWith(e.token)).toBe(true);
    }
    // Byte-fallback tokens carry their own byte, so the bytes spell the answer.
    for (const e of entries) if (e.token === "\uFFFD") expect(e.bytes).toHaveLength(1);
    if (extra === WHOLE) {
      expect(entries.map((e) => e.token).join("")).toBe(b.message.content);
      expect(utf8(entries)).toBe(b.message.content);
      for (const e of entries) expect(e.bytes).toEqual(encode(e.token));
    }
  });

  test("logprobs: true alone gives each token with no alternatives", async () => {
    const r = await ctx.ai.chat.completions.create({ ...greedy, ...WHOLE, max_tokens: 6, logprobs: true });
    const entries = r.choices[0].logprobs!.content!;
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect(e.top_logprobs).toEqual([]);
    expect(entries.map((e) => e.token).join("")).toBe(r.choices[0].message.content);
  });

  test("sampled (seed, temperature, top_p, penalties): the same text as without logprobs", async () => {
    const p = { model: "tiny", messages: ask, max_tokens: 20, seed: 11, temperature: 0.9, top_p: 0.9, presence_penalty: 0.5, frequency_penalty: 0.3 };
    const plain = await ctx.ai.chat.completions.create(p);
    const r = await ctx.ai.chat.completions.create({ ...p, logprobs: true, top_logprobs: 3 });
    expect(r.choices[0].message.content).toBe(plain.choices[0].message.content);
    expect(r.usage).toEqual(plain.usage);
    expectWellFormed(r.choices[0].logprobs!.content!, 3);
  });

  test("streamed: each chunk carries its own tokens, and together they are the whole answer's", async () => {
    const p = { ...greedy, ...WHOLE, logprobs: true, top_logprobs: 2 };
    const whole = await ctx.ai.chat.completions.create(p);
    const stream = await ctx.ai.chat.completions.create({ ...p, stream: true });
    const streamed: Entry[] = [];
    let text = "";
    for await (const c of stream) {
      const choice = c.choices[0];
      const entries = choice.logprobs?.content ?? [];
      if (choice.delta.content) expect(entries.map((e) => e.token).join("")).toBe(choice.delta.content);
      text += choice.delta.content ?? "";
      streamed.push(...entries);
    }
    expect(text).toBe(whole.choices[0].message.content);
    expect(streamed).toEqual(whole.choices[0].logprobs!.content);
  });

  test("a stop string ends the answer as without logprobs; the tokens cover it", async () => {
    const free = await ctx.ai.chat.completions.create({ ...greedy, ...WHOLE });
    const content = free.choices[0].message.content!;
    expect(content.length).toBeGreaterThan(3);
    const stop = content.slice(2, 4); // may begin inside a token
    const plain = await ctx.ai.chat.completions.create({ ...greedy, ...WHOLE, stop });
    const r = await ctx.ai.chat.completions.create({ ...greedy, ...WHOLE, stop, logprobs: true });
    expect(r.choices[0].message.content).toBe(plain.choices[0].message.content);
    expect(r.choices[0].finish_reason).toBe("stop");
    const tokens = r.choices[0].logprobs!.content!.map((e) => e.token).join("");
    expect(tokens.startsWith(r.choices[0].message.content!)).toBe(true);
    expect(tokens.length).toBeLessThan(r.choices[0].message.content!.length + 4);
  });

  test("JSON output and n choices keep their logprobs", async () => {
    const r = await ctx.ai.chat.completions.create({
      ...greedy, max_tokens: 40, n: 2, seed: 3, temperature: 0.7, response_format: { type: "json_object" }, logprobs: true, top_logprobs: 1,
    });
    expect(r.choices).toHaveLength(2);
    for (const c of r.choices) {
      expect(() => JSON.parse(c.message.content!)).not.toThrow();
      expect(c.logprobs!.content!.map((e) => e.token).join("")).toBe(c.message.content);
    }
  });

  test("with tools: the text's tokens have logprobs, and a forced call has no content ones", async () => {
    const tools: OpenAI.ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } }];
    const auto = await ctx.ai.chat.completions.create({ ...greedy, ...WHOLE, tools, logprobs: true });
    const text = auto.choices[0].message.content ?? "";
    expect(auto.choices[0].logprobs!.content!.map((e) => e.token).join("")).toBe(text);
    const forced = await ctx.ai.chat.completions.create({ ...greedy, max_tokens: 60, tools, tool_choice: "required", logprobs: true });
    expect(forced.choices[0].message.tool_calls).toHaveLength(1);
    expect(forced.choices[0].logprobs).toEqual({ content: [], refusal: null });
  });

  test("top_logprobs without logprobs: true, or out of 0..20, is a 400 naming it", async () => {
    for (const body of [{ top_logprobs: 2 }, { logprobs: false, top_logprobs: 2 }, { logprobs: true, top_logprobs: 21 }, { logprobs: true, top_logprobs: -1 }]) {
      const r = await post(ctx.s.url, "/v1/chat/completions", { ...greedy, ...body });
      expect(r.status).toBe(400);
      expect(r.json.error.param).toBe("top_logprobs");
    }
    const r = await post(ctx.s.url, "/v1/chat/completions", { ...greedy, max_tokens: 2, logprobs: false, top_logprobs: null });
    expect(r.status).toBe(200);
    expect(r.json.choices[0].logprobs).toBeNull();
  });

  test("Ollama /api/chat: logprobs and top_logprobs for a local model", async () => {
    const body = { model: "tiny", messages: ask, stream: false, options: { temperature: 0, num_predict: 8 } };
    const plain = await post(ctx.s.url, "/api/chat", body);
    const r = await post(ctx.s.url, "/api/chat", { ...body, logprobs: true, top_logprobs: 2 });
    expect(r.status).toBe(200);
    expect(r.json.message.content).toBe(plain.json.message.content);
    expect(r.json.logprobs.length).toBeGreaterThan(0);
    expect(r.json.logprobs[0]).toMatchObject({ token: expect.any(String), logprob: expect.any(Number), bytes: expect.any(Array) });
    expect(r.json.logprobs[0].top_logprobs).toHaveLength(2);
  });
});
