import { describe, expect, test } from "vitest";
import { upstreamHttpError } from "../../src/gateway/upstreamErrors.ts";
import { SseParser, sseData } from "../../src/gateway/upstreamSse.ts";
import { readStream } from "../../src/gateway/upstreamStream.ts";
import { normalizeBaseUrl, displayUrl } from "../../src/gateway/upstreamTarget.ts";
import { chatBody, finishReason } from "../../src/gateway/upstreamWire.ts";
import type { Delta } from "../../src/runtime/types.ts";

async function* chunks(...parts: (string | Uint8Array)[]) { for (const p of parts) yield p; }
const collect = async (it: AsyncIterable<string>) => { const out: string[] = []; for await (const x of it) out.push(x); return out; };

describe("SSE parsing", () => {
  test("events split across chunks, CRLF and CR line ends, comments, multi-line data", async () => {
    const euro = Buffer.from("€");
    const events = await collect(sseData(chunks(
      ": keep-alive\r\n\r\ndata: {\"a\":", "1}\r", "\n\r\ndata: x\ndata: y\n\nevent: ping\nda",
      "ta: ", euro.subarray(0, 2), euro.subarray(2), "\r\rdata: [DONE]",
    )));
    expect(events).toEqual(['{"a":1}', "x\ny", "€", "[DONE]"]);
  });

  test("the same events however the bytes are split", () => {
    const text = ": c\r\ndata: {\"a\":\"é€😀\"}\r\n\r\ndata:x\rdata\r\rid: 1\nevent: e\ndata:  two spaces\n\ndatum: no\ndata: last";
    const expected = ['{"a":"é€😀"}', "x\n", " two spaces", "last"];
    const bytes = Buffer.from(text);
    const parse = (parts: Uint8Array[]) => {
      const out: string[] = [];
      const p = new SseParser();
      for (const part of parts) p.push(part, (d) => out.push(d));
      p.end((d) => out.push(d));
      return out;
    };
    expect(parse([bytes])).toEqual(expected);
    for (let i = 1; i < bytes.length; i++) {
      for (const j of [i + 1, i + 2, i + 3]) {
        if (j >= bytes.length) continue;
        expect(parse([bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)])).toEqual(expected);
      }
    }
  });
});

describe("reading a streamed answer", () => {
  const sse = (...objs: unknown[]) => sseData(chunks(...objs.map((o) => `data: ${typeof o === "string" ? o : JSON.stringify(o)}\n\n`)));
  const delta = (d: object, finish: string | null = null) => ({ choices: [{ index: 0, delta: d, finish_reason: finish }] });

  test("text, reasoning and tool-call fragments become deltas and one result", async () => {
    const seen: Delta[] = [];
    const r = await readStream({
      name: "u", kind: "chat", startedAt: performance.now(), onDelta: (d) => seen.push(d),
      events: sse(
        delta({ role: "assistant", content: "" }), delta({ reasoning_content: "hmm" }), delta({ content: "Hi" }),
        delta({ tool_calls: [{ index: 0, id: "c1", type: "function", function: { name: "get_", arguments: "" } }] }),
        delta({ tool_calls: [{ index: 0, function: { name: "weather", arguments: "{\"city\":" } }] }),
        delta({ tool_calls: [{ index: 1, id: "c2", function: { name: "noop", arguments: "{}" } }] }),
        delta({ tool_calls: [{ index: 0, function: { arguments: "\"Oslo\"}" } }] }),
        delta({}, "tool_calls"), { choices: [], usage: { prompt_tokens: 7, completion_tokens: 9 } }, "[DONE]",
      ),
    });
    expect(seen).toEqual([
      { reasoning: "hmm" }, { text: "Hi" },
      // Parts as they come (interleaved calls keep their own index)...
      { toolCallParts: [{ index: 0, id: "c1", name: "get_" }] },
      { toolCallParts: [{ index: 0, name: "weather", arguments: '{"city":' }] },
      { toolCallParts: [{ index: 1, id: "c2", name: "noop", arguments: "{}" }] },
      { toolCallParts: [{ index: 0, arguments: '"Oslo"}' }] },
      // ...and the calls whole once the choice finished.
      { toolCalls: [{ id: "c1", name: "get_weather", arguments: '{"city":"Oslo"}' }, { id: "c2", name: "noop", arguments: "{}" }] },
    ]);
    expect(r).toMatchObject({ text: "Hi", reasoning: "hmm", finishReason: "tool_calls", usage: { promptTokens: 7, completionTokens: 9 } });
    expect(r.toolCalls).toHaveLength(2);
  });

  test("an error event mid-stream is an upstream_error", async () => {
    const events = sse(delta({ content: "a" }), { error: { message: "engine crashed" } });
    await expect(readStream({ name: "u", kind: "chat", startedAt: 0, events })).rejects.toMatchObject({ code: "upstream_error", message: expect.stringContaining("engine crashed") });
  });
});

describe("upstream HTTP errors", () => {
  const body = (message: string, code?: string) => JSON.stringify({ error: { message, type: "x", code, param: "temperature" } });
  test.each([
    [400, "invalid_request"], [404, "not_found"], [413, "payload_too_large"], [422, "invalid_request"],
    [401, "upstream_error"], [403, "upstream_error"], [500, "upstream_error"], [503, "upstream_error"],
  ])("HTTP %i → %s", (status, code) => {
    expect(upstreamHttpError("u", status, {}, body("nope")).code).toBe(code);
  });
  test("429 keeps Retry-After; context overflow keeps its code; the key is redacted", () => {
    expect(upstreamHttpError("u", 429, { "retry-after": "7" }, body("slow down")).details.retryAfterSeconds).toBe(7);
    expect(upstreamHttpError("u", 400, {}, body("too long", "context_length_exceeded")).code).toBe("context_length_exceeded");
    const e = upstreamHttpError("u", 401, {}, body("Incorrect API key provided: sk-secret-123"), "sk-secret-123");
    expect(e.message).not.toContain("sk-secret-123");
    expect(upstreamHttpError("u", 502, {}, "<html>Bad gateway</html>").message).toContain("Bad gateway");
  });
});

describe("mapping requests", () => {
  test("base URLs: a bare origin gets /v1, credentials are hidden for display", () => {
    expect(normalizeBaseUrl("http://h:8000")).toBe("http://h:8000/v1");
    expect(normalizeBaseUrl("https://api.example.com/openai/v1/")).toBe("https://api.example.com/openai/v1");
    expect(() => normalizeBaseUrl("ftp://h")).toThrow(/http/);
    expect(displayUrl("http://u:p@h:1/v1")).toBe("http://h:1/v1");
  });

  test("options become OpenAI fields; unset ones are not sent", () => {
    const b = chatBody("m", [{ role: "assistant", content: "", toolCalls: [{ id: "1", name: "f", arguments: "{}" }] }, { role: "tool", content: "r", toolCallId: "1" }], {
      maxTokens: 5, stop: ["x"], seed: 3, logprobs: 2, format: { type: "json_schema", schema: { type: "object" } },
      tools: [{ name: "f" }], toolChoice: { name: "f" },
    }, true);
    expect(b).toMatchObject({
      model: "m", max_tokens: 5, stop: ["x"], seed: 3, logprobs: true, top_logprobs: 2, stream: true, stream_options: { include_usage: true },
      response_format: { type: "json_schema", json_schema: { schema: { type: "object" } } }, tool_choice: { type: "function", function: { name: "f" } },
      messages: [{ role: "assistant", content: null, tool_calls: [{ id: "1", type: "function" }] }, { role: "tool", tool_call_id: "1" }],
    });
    expect(b).not.toHaveProperty("temperature");
    expect(() => chatBody("m", [], { format: { type: "gbnf", grammar: "root ::= \"a\"" } }, false)).toThrow(/local models only/);
  });

  test("what the client said goes on as it said it: budget field, schema name and strictness, parallel calls, user", () => {
    const b = chatBody("m", [], {
      maxTokens: 7, maxTokensIsCompletionBudget: true, user: "u-1", parallelToolCalls: false,
      format: { type: "json_schema", schema: { type: "object" }, name: "pick", strict: false },
      tools: [{ name: "f", strict: true }],
    }, false);
    expect(b).toMatchObject({
      max_completion_tokens: 7, user: "u-1", parallel_tool_calls: false,
      response_format: { json_schema: { name: "pick", strict: false } }, tools: [{ function: { name: "f", strict: true } }],
    });
    expect(b).not.toHaveProperty("max_tokens");
    const plain = chatBody("m", [], { maxTokens: 7, format: { type: "json_schema", schema: {} } }, false);
    expect(plain).toMatchObject({ max_tokens: 7 });
    expect((plain.response_format as { json_schema: object }).json_schema).not.toHaveProperty("strict");
    expect(finishReason("content_filter")).toBe("content_filter");
  });
});
