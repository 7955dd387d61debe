import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";

let s: TestServer;
let ollama: Ollama;

beforeAll(async () => {
  s = await startServer();
  ollama = new Ollama({ host: s.url });
});
afterAll(() => s?.close());

const hi = [{ role: "user", content: "Hello there" }];

describe("/api/chat and /api/generate, through the ollama SDK", () => {
  it("streams a chat: pieces, then a final object with counts and durations", async () => {
    const stream = await ollama.chat({ model: "tiny", messages: hi, stream: true, options: { num_predict: 12, seed: 1 } });
    const pieces: string[] = [];
    let last;
    for await (const part of stream) {
      if (!part.done) pieces.push(part.message.content);
      last = part;
    }
    expect(last).toMatchObject({ model: "tiny", done: true, done_reason: "length", eval_count: 12 });
    expect(last!.message).toEqual({ role: "assistant", content: "" });
    // One piece per token, less the tokens that only carry part of a UTF-8 character.
    expect(pieces.length).toBeLessThanOrEqual(last!.eval_count);
    expect(pieces.length).toBeGreaterThanOrEqual(last!.eval_count / 2);
    expect(last!.prompt_eval_count).toBeGreaterThan(0);
    for (const k of ["total_duration", "prompt_eval_duration", "eval_duration"] as const) expect(last![k]).toBeGreaterThan(0);
    expect(last!.total_duration).toBeGreaterThanOrEqual(last!.eval_duration);
    expect(Number.isNaN(new Date(last!.created_at).getTime())).toBe(false);
  });

  it("answers a chat in one object when not streaming", async () => {
    const r = await ollama.chat({ model: "tiny", messages: hi, options: { num_predict: 8, seed: 1 } });
    expect(r).toMatchObject({ model: "tiny", done: true, done_reason: "length", eval_count: 8 });
    expect(r.message.role).toBe("assistant");
    expect(r.message.content.length).toBeGreaterThan(0);
  });

  it("generates through the template, and raw without it", async () => {
    const r = await ollama.generate({ model: "tiny-moe", prompt: "Once upon a time", system: "Be brief.", options: { num_predict: 6, temperature: 0 } });
    expect(r).toMatchObject({ done: true, eval_count: 6, done_reason: "length" });
    expect(typeof r.response).toBe("string");

    const raw = await ollama.generate({ model: "tiny", prompt: "Once upon a time", raw: true, stream: true, options: { num_predict: 5, temperature: 0 } });
    let text = "", final;
    for await (const part of raw) {
      text += part.response;
      final = part;
    }
    expect(final).toMatchObject({ done: true, eval_count: 5 });
    expect(text.length).toBeGreaterThan(0);
    // Raw skips the chat template: far fewer prompt tokens than the templated prompt.
    expect(final!.prompt_eval_count).toBeLessThan(r.prompt_eval_count);
  });

  it("context: an answer's prompt and text as tokens; sent back, the next turn follows them", async () => {
    const options = { num_predict: 6, temperature: 0, seed: 1 };
    const first = await ollama.generate({ model: "tiny", prompt: "Tell me about rivers", options });
    expect(first.context.length).toBeGreaterThan(first.prompt_eval_count);
    const second = await ollama.generate({ model: "tiny", prompt: "And stones?", context: first.context, options });
    // The earlier tokens, then this turn through the chat template without its BOS: the same answer as that token prompt.
    const tiny = await s.app.models.get("tiny");
    const turn = await s.app.runtime.continuationTokens({ name: tiny.name, path: tiny.path }, [{ role: "user", content: "And stones?" }]);
    expect(turn[0]).not.toBe(1); // no BOS in the middle
    const expected = [...first.context, ...turn];
    expect(second.prompt_eval_count).toBe(expected.length);
    const byIds = await (await fetch(`${s.url}/v1/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "tiny", prompt: expected, max_tokens: 6, temperature: 0, seed: 1 }),
    })).json();
    expect(second.response).toBe(byIds.choices[0].text);
    expect(second.context.slice(0, expected.length)).toEqual(expected);
    expect(second.context.length).toBeGreaterThan(expected.length);
    // Raw answers carry none, as in Ollama.
    expect((await ollama.generate({ model: "tiny", prompt: "x", raw: true, options })).context).toBeUndefined();
  });

  it("is deterministic for a given seed", async () => {
    const ask = (seed: number) =>
      ollama.generate({ model: "tiny", prompt: "Tell me", options: { seed, temperature: 1, num_predict: 16 } }).then((r) => r.response);
    const [a, b] = [await ask(42), await ask(42)];
    expect(a).toBe(b);
    const others = await Promise.all([ask(1), ask(2), ask(3)]);
    expect(others.some((o) => o !== a)).toBe(true);
  });

  it("follows a bounded JSON schema in `format`", async () => {
    const format = {
      type: "object",
      properties: { ok: { type: "boolean" }, color: { type: "string", enum: ["red", "green", "blue"] } },
      required: ["ok", "color"],
    };
    const r = await ollama.chat({ model: "tiny", messages: hi, format, options: { num_predict: 40, seed: 3 } });
    const parsed = JSON.parse(r.message.content);
    expect(typeof parsed.ok).toBe("boolean");
    expect(["red", "green", "blue"]).toContain(parsed.color);
  });

  it("accepts tools and tool results in Ollama's shape", async () => {
    const tools = [{ type: "function", function: {
      name: "get_weather", description: "Weather for a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
    } }];
    const r = await ollama.chat({
      model: "tiny", tools, options: { num_predict: 4, seed: 1 },
      messages: [
        { role: "user", content: "Weather in Oslo?" },
        { role: "assistant", content: "", tool_calls: [{ function: { name: "get_weather", arguments: { city: "Oslo" } } }] },
        { role: "tool", content: "rain, 8°C", tool_name: "get_weather" },
      ],
    });
    expect(r.done).toBe(true);
    for (const c of r.message.tool_calls ?? []) expect(typeof c.function.arguments).toBe("object");
  });

  it("returns log-probabilities for raw generation", async () => {
    const r = await ollama.generate({ model: "tiny", prompt: "abc", raw: true, logprobs: true, top_logprobs: 2, options: { num_predict: 4, seed: 1 } });
    expect(r.logprobs).toHaveLength(r.eval_count);
    expect(r.logprobs![0]).toMatchObject({ token: expect.any(String), logprob: expect.any(Number) });
    expect(r.logprobs![0].top_logprobs).toHaveLength(2);
  });

  it("refuses think on a model whose template cannot think", async () => {
    await expect(ollama.chat({ model: "tiny", messages: hi, think: true })).rejects.toMatchObject({
      status_code: 400, error: expect.stringContaining("does not support thinking"),
    });
  });
});

describe("a conversation longer than the context", () => {
  const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}`).join(" ");
  it("drops the oldest turns (the system message and the latest stay), as Ollama does", async () => {
    const turns = Array.from({ length: 8 }, (_, i) => [
      { role: "user", content: words(80, `q${i}-`) }, { role: "assistant", content: words(80, `a${i}-`) },
    ]).flat();
    const messages = [{ role: "system", content: "Be brief." }, ...turns, { role: "user", content: "And now?" }];
    const whole = await fetch(`${s.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "tiny", messages, max_tokens: 1 }) });
    expect(whole.status).toBe(400); // OpenAI's way: refused
    const r = await ollama.chat({ model: "tiny", messages, options: { num_predict: 2, seed: 1 } });
    expect(r.done).toBe(true);
    const latest = await ollama.chat({ model: "tiny", messages: [messages[0], messages.at(-1)!], options: { num_predict: 2, seed: 1 } });
    expect(r.prompt_eval_count).toBeGreaterThan(latest.prompt_eval_count + 100); // some older turns stayed
  });

  it("still refuses when the latest message alone is too long", async () => {
    const res = await fetch(`${s.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "tiny", stream: false, messages: [{ role: "user", content: words(3000, "w") }] }) });
    expect(res.status).toBe(400);
  });
});

describe("/api/embed and /api/embeddings", () => {
  it("embeds a batch: 64 dimensions, unit length, identical inputs identical", async () => {
    const r = await ollama.embed({ model: "tiny", input: ["same text", "same text", "other"] });
    expect(r.model).toBe("tiny");
    expect(r.embeddings).toHaveLength(3);
    for (const v of r.embeddings) {
      expect(v).toHaveLength(64);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    expect(r.embeddings[0]).toEqual(r.embeddings[1]);
    expect(r.embeddings[0]).not.toEqual(r.embeddings[2]);
    expect(r.prompt_eval_count).toBeGreaterThan(0);

    const one = await ollama.embed({ model: "tiny", input: "same text", dimensions: 16 });
    expect(one.embeddings[0]).toHaveLength(16);
  });

  it("cuts an input longer than the context to fit unless truncate is false, as Ollama does", async () => {
    const long = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(" ");
    const cut = await ollama.embed({ model: "tiny", input: long });
    expect(cut.embeddings[0]).toHaveLength(64);
    const refused = await fetch(`${s.url}/api/embed`, { method: "POST", body: JSON.stringify({ model: "tiny", input: long, truncate: false }) });
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: string };
    const [, total, context] = error.match(/^input\[0\] is (\d+) tokens long but the model's context holds (\d+)$/)!.map(Number);
    expect(total).toBeGreaterThan(context);
    expect(cut.prompt_eval_count).toBeLessThan(context);
    expect(cut.prompt_eval_count).toBeGreaterThan(context - 4);
  });

  it("answers the legacy /api/embeddings with one vector", async () => {
    const r = await ollama.embeddings({ model: "tiny-moe", prompt: "hello" });
    expect(r.embedding).toHaveLength(64);
  });
});
