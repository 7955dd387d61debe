import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";

/** Anthropic's Messages API (POST /v1/messages), driven with Anthropic's official SDK. */
let s: TestServer;
let claude: Anthropic;
let ai: OpenAI;
let secret: string;

beforeAll(async () => {
  s = await startServer({ models: { tiny: { shape: "tiny" } }, config: { server: { requireAuth: true } } });
  secret = (await s.app.auth.create({ name: "claude-code" })).secret;
  claude = new Anthropic({ baseURL: s.url, apiKey: secret, maxRetries: 0 }); // sent as x-api-key
  ai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: secret, maxRetries: 0 });
});
afterAll(async () => { await s?.close(); });

const WEATHER = {
  name: "get_weather", description: "Weather for a city",
  // An enum keeps the random-weight model's input short enough to finish.
  input_schema: { type: "object" as const, properties: { city: { type: "string", enum: ["Paris", "Oslo", "Lima"] } }, required: ["city"] },
};
/** Newer SDK types leave out sampling parameters (Claude's newest models refuse them); the API, and Freehold, take them. */
const GREEDY = { temperature: 0 } as object;
const textOf = (m: Anthropic.Message) => m.content.map((b) => (b.type === "text" ? b.text : "")).join("");

describe("POST /v1/messages", () => {
  test("an answer is what chat completions gives for the same conversation, in Anthropic's shape", async () => {
    const m = await claude.messages.create({ model: "tiny", max_tokens: 6, ...GREEDY, system: "Be brief.", messages: [{ role: "user", content: "Hello there" }] });
    const chat = await ai.chat.completions.create({
      model: "tiny", max_tokens: 6, temperature: 0, messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Hello there" }],
    });
    expect(m).toMatchObject({ type: "message", role: "assistant", model: "tiny" });
    expect(m.id).toMatch(/^msg_/);
    expect(textOf(m)).toBe(chat.choices[0].message.content);
    expect(m.stop_reason).toBe(chat.choices[0].finish_reason === "length" ? "max_tokens" : "end_turn");
    // Anthropic counts prompt tokens reused from the cache apart.
    expect(m.usage.input_tokens + (m.usage.cache_read_input_tokens ?? 0)).toBe(chat.usage!.prompt_tokens);
    expect(m.usage.output_tokens).toBe(chat.usage!.completion_tokens);
    // count_tokens: the same conversation through the chat template, nothing generated.
    const counted = await claude.messages.countTokens({ model: "tiny", system: "Be brief.", messages: [{ role: "user", content: "Hello there" }] });
    expect(counted.input_tokens).toBe(chat.usage!.prompt_tokens);
  });

  test("streamed: Anthropic's events in order, which the SDK assembles into the same answer", async () => {
    const events: string[] = [];
    const deltas: string[] = [];
    const stream = claude.messages.stream({ model: "tiny", max_tokens: 10, ...GREEDY, messages: [{ role: "user", content: "Tell me a story" }] });
    stream.on("streamEvent", (e) => {
      events.push(e.type);
      if (e.type === "content_block_delta" && e.delta.type === "text_delta") deltas.push(e.delta.text);
    });
    const final = await stream.finalMessage();
    expect(events[0]).toBe("message_start");
    expect(events[1]).toBe("content_block_start");
    expect(events.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
    expect(deltas.join("")).toBe(textOf(final));
    const whole = await claude.messages.create({ model: "tiny", max_tokens: 10, ...GREEDY, messages: [{ role: "user", content: "Tell me a story" }] });
    expect(textOf(final)).toBe(textOf(whole));
    expect(final.usage.output_tokens).toBe(whole.usage.output_tokens);
    expect(final.stop_reason).toBe(whole.stop_reason);
  });

  test("max_tokens is a ceiling, as Claude Code sends it (32,000 whatever the model): capped at the context, not refused", async () => {
    // Streamed, as Claude Code always asks (the SDK refuses a whole answer that large).
    const m = await claude.messages.stream({ model: "tiny", max_tokens: 32_000, messages: [{ role: "user", content: "Hi" }], ...GREEDY }).finalMessage();
    expect(["end_turn", "max_tokens"]).toContain(m.stop_reason);
    expect(m.usage.output_tokens).toBeLessThanOrEqual(await s.app.runtime.contextSize({ name: "tiny", path: (await s.app.models.get("tiny")).path }));
  });

  test("stop_sequences: the answer ends before the sequence, and says which one", async () => {
    const free = await claude.messages.create({ model: "tiny", max_tokens: 24, ...GREEDY, messages: [{ role: "user", content: "Count" }] });
    const text = textOf(free);
    const stop = text.slice(6, 9);
    expect(stop.trim().length).toBeGreaterThan(0);
    const stopped = await claude.messages.create({ model: "tiny", max_tokens: 24, ...GREEDY, messages: [{ role: "user", content: "Count" }], stop_sequences: [stop] });
    expect(stopped.stop_reason).toBe("stop_sequence");
    expect(stopped.stop_sequence).toBe(stop);
    expect(textOf(stopped)).toBe(text.slice(0, text.indexOf(stop)));
  });

  test("a tool use round trip: the call, its result sent back in a user turn, then an answer", async () => {
    const called = await claude.messages.create({ model: "tiny", max_tokens: 60, messages: [{ role: "user", content: "Weather in Paris?" }], tools: [WEATHER], tool_choice: { type: "any" } });
    expect(called.stop_reason).toBe("tool_use");
    const use = called.content.find((b) => b.type === "tool_use")!;
    expect(use).toMatchObject({ type: "tool_use", name: "get_weather" });
    expect(["Paris", "Oslo", "Lima"]).toContain((use.input as { city: string }).city);
    const answered = await claude.messages.create({
      model: "tiny", max_tokens: 5, tools: [WEATHER],
      messages: [
        { role: "user", content: "Weather in Paris?" },
        { role: "assistant", content: called.content },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "21°C, sunny" }, { type: "text", text: "Thanks!" }] },
      ],
    });
    expect(answered.usage.input_tokens + (answered.usage.cache_read_input_tokens ?? 0)).toBeGreaterThan(called.usage.input_tokens);
    // Streamed, the input arrives as partial JSON that adds up to the block's input.
    const partial: string[] = [];
    const stream = claude.messages.stream({ model: "tiny", max_tokens: 60, messages: [{ role: "user", content: "Weather in Oslo?" }], tools: [WEATHER], tool_choice: { type: "tool", name: "get_weather" } });
    stream.on("streamEvent", (e) => { if (e.type === "content_block_delta" && e.delta.type === "input_json_delta") partial.push(e.delta.partial_json); });
    const final = await stream.finalMessage();
    const streamedUse = final.content.find((b) => b.type === "tool_use")!;
    expect(JSON.parse(partial.join(""))).toEqual(streamedUse.input);
    expect(final.stop_reason).toBe("tool_use");
  });

  test("Claude Code's tools work: bounds and formats the grammar cannot enforce are dropped for tools that are not strict", async () => {
    const bash = {
      name: "Bash", description: "Run a shell command",
      input_schema: {
        $schema: "http://json-schema.org/draft-07/schema#", type: "object" as const, additionalProperties: false, required: ["command"],
        properties: { command: { type: "string", enum: ["ls", "pwd"] }, timeout: { type: "integer", maximum: 600000 }, verbose: { type: "boolean" } },
      },
    };
    const r = await claude.messages.create({ model: "tiny", max_tokens: 400, ...GREEDY, messages: [{ role: "user", content: "List the files" }], tools: [bash], tool_choice: { type: "tool", name: "Bash" } });
    const use = r.content.find((b) => b.type === "tool_use")!;
    expect(r.stop_reason, JSON.stringify(r)).toBe("tool_use");
    expect(["ls", "pwd"]).toContain((use.input as { command: string }).command); // what the grammar can enforce, it does
    // A strict tool promises arguments that validate: what cannot be enforced is refused.
    await expect(claude.messages.create({ model: "tiny", max_tokens: 8, messages: [{ role: "user", content: "x" }], tools: [{ ...bash, strict: true } as never] }))
      .rejects.toMatchObject({ status: 400 });
  });

  test("errors come in Anthropic's shape, with the SDK's matching exception", async () => {
    await expect(claude.messages.create({ model: "nope", max_tokens: 5, messages: [{ role: "user", content: "x" }] }))
      .rejects.toBeInstanceOf(Anthropic.NotFoundError);
    const bad = async (body: object) => {
      const res = await fetch(`${s.url}/v1/messages`, { method: "POST", headers: { "x-api-key": secret, "content-type": "application/json", "anthropic-version": "2023-06-01" }, body: JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    };
    const cases: [object, number, RegExp][] = [
      [{ model: "tiny", messages: [{ role: "user", content: "x" }] }, 400, /max_tokens/],
      [{ model: "tiny", max_tokens: 5, messages: [{ role: "user", content: [{ type: "image", source: {} }] }] }, 400, /images/],
      [{ model: "tiny", max_tokens: 5, messages: [{ role: "user", content: "x" }], tools: [{ type: "web_search_20250305", name: "web_search" }] }, 400, /not supported/],
      [{ model: "tiny", max_tokens: 5, messages: [] }, 400, /at least one message/],
      [{ model: "tiny", max_tokens: 5, messages: [{ role: "system", content: "x" }] }, 400, /role/],
    ];
    for (const [body, status, message] of cases) {
      const r = await bad(body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(r.body).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: expect.stringMatching(message) } });
    }
    const noKey = new Anthropic({ baseURL: s.url, apiKey: "sk-wrong", maxRetries: 0 });
    await expect(noKey.messages.create({ model: "tiny", max_tokens: 5, messages: [{ role: "user", content: "x" }] }))
      .rejects.toBeInstanceOf(Anthropic.AuthenticationError);
  });
});
