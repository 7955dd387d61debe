import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startScriptedUpstream, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

/** Freehold proxying a scripted OpenAI-compatible upstream, driven with the official SDK. */
const KEY = "sk-upstream-SECRET-4242";
const logs: string[] = [];
let up: ScriptedUpstream;
let s: TestServer;
let ai: OpenAI;

beforeAll(async () => {
  up = await startScriptedUpstream();
  const stream = new Writable({ write(chunk, _e, cb) { logs.push(...String(chunk).split("\n").filter(Boolean)); cb(); } });
  s = await startServer({ models: { tiny: { shape: "tiny" } }, server: { logger: { level: "info", stream } } });
  await s.app.upstreams.add({ name: "remote", baseUrl: up.url, apiKey: KEY, remoteModel: "big-model" });
  ai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 15_000 });
});
afterAll(async () => {
  await s?.close();
  await up?.close();
});

const last = () => up.requests[up.requests.length - 1];

describe("an upstream model through Freehold", () => {
  test("non-streaming: the answer, usage, the key and mapped parameters reach the upstream", async () => {
    up.setScript(() => ({ text: "Paris is the capital.", usage: { prompt: 11, completion: 4 } }));
    const r = await ai.chat.completions.create({
      model: "remote", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Capital of France?" }],
      max_tokens: 20, temperature: 0.3, top_p: 0.9, seed: 7, stop: ["\n\n"], presence_penalty: 0.5,
    });
    expect(r.choices[0].message.content).toBe("Paris is the capital.");
    expect(r.choices[0].finish_reason).toBe("stop");
    expect(r.model).toBe("remote");
    expect(r.usage).toMatchObject({ prompt_tokens: 11, completion_tokens: 4, total_tokens: 15 });
    expect(last().headers.authorization).toBe(`Bearer ${KEY}`);
    expect(last().body).toMatchObject({
      model: "big-model", max_tokens: 20, temperature: 0.3, top_p: 0.9, seed: 7, stop: ["\n\n"], presence_penalty: 0.5,
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Capital of France?" }],
    });
    expect(last().body.stream).toBeUndefined();

    // The newer budget field and the end-user id reach the upstream as the client sent them.
    await ai.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "x" }], max_completion_tokens: 9, user: "alice" });
    expect(last().body).toMatchObject({ max_completion_tokens: 9, user: "alice" });
    expect(last().body).not.toHaveProperty("max_tokens");
  });

  test("streaming: deltas in order, usage, and [DONE]", async () => {
    up.setScript(() => ({ text: "one two three four", reasoning: "thinking hard", chunkDelayMs: 2 }));
    const stream = await ai.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "count" }], stream: true, stream_options: { include_usage: true } });
    const content: string[] = [];
    let reasoning = "", usage, finish;
    for await (const c of stream) {
      const d = c.choices[0]?.delta as { content?: string; reasoning_content?: string } | undefined;
      if (d?.content) content.push(d.content);
      if (d?.reasoning_content) reasoning += d.reasoning_content;
      finish ??= c.choices[0]?.finish_reason ?? undefined;
      if (c.usage) usage = c.usage;
    }
    expect(content).toEqual(["one ", "two ", "three ", "four"]);
    expect(reasoning).toBe("thinking hard");
    expect(finish).toBe("stop");
    expect(usage).toMatchObject({ completion_tokens: 4 });
    expect(last().body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const raw = await fetch(`${s.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "remote", messages: [{ role: "user", content: "x" }], stream: true }) });
    expect((await raw.text()).trimEnd().endsWith("data: [DONE]")).toBe(true);
  });

  test("tool calls, streamed and not, with the tools passed on", async () => {
    const tools = [{ type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
    up.setScript(() => ({ toolCalls: [{ id: "call_abc", name: "get_weather", arguments: '{"city":"Oslo"}' }] }));
    const r = await ai.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "weather?" }], tools, tool_choice: "required" });
    expect(r.choices[0].finish_reason).toBe("tool_calls");
    expect(r.choices[0].message.tool_calls?.[0]).toMatchObject({ id: "call_abc", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } });
    expect(last().body).toMatchObject({ tools: [{ type: "function", function: { name: "get_weather" } }], tool_choice: "required" });

    const stream = await ai.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "weather?" }], tools, stream: true });
    const calls: { id?: string; name?: string; args: string }[] = [];
    const fragments: unknown[] = [];
    let finish;
    for await (const c of stream) {
      for (const tc of c.choices[0]?.delta?.tool_calls ?? []) {
        fragments.push(tc);
        const call = (calls[tc.index] ??= { args: "" });
        call.id ??= tc.id;
        call.name ??= tc.function?.name;
        call.args += tc.function?.arguments ?? "";
      }
      finish ??= c.choices[0]?.finish_reason ?? undefined;
    }
    expect(calls).toEqual([{ id: "call_abc", name: "get_weather", args: '{"city":"Oslo"}' }]);
    expect(finish).toBe("tool_calls");
    // Passed on as the upstream streamed them, in OpenAI's fragments, not whole at the end.
    expect(fragments).toEqual([
      { index: 0, id: "call_abc", type: "function", function: { name: "get_weather", arguments: "" } },
      { index: 0, function: { arguments: '{"city":' } },
      { index: 0, function: { arguments: '"Oslo"}' } },
    ]);
  });

  test("streamed tool calls without ids or from index 1 get ids once and indexes from 0; Ollama gets them whole", async () => {
    up.setScript(() => ({
      raw: (res) => {
        const chunk = (delta: object, finish: string | null = null) =>
          `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
        res.writeHead(200, { "content-type": "text/event-stream" });
        res.end(
          chunk({ role: "assistant", content: null }) +
          chunk({ tool_calls: [{ index: 1, function: { name: "a", arguments: "{}" } }] }) +
          chunk({ tool_calls: [{ index: 2, function: { name: "b", arguments: '{"x"' } }] }) +
          chunk({ tool_calls: [{ index: 2, function: { arguments: ":1}" } }] }) +
          chunk({}, "tool_calls") + "data: [DONE]\n\n",
        );
      },
    }));
    const tools = [{ type: "function" as const, function: { name: "a", parameters: { type: "object" } } }, { type: "function" as const, function: { name: "b", parameters: { type: "object" } } }];
    const stream = await ai.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "go" }], tools, stream: true });
    const fragments: { index: number; id?: string; function?: { name?: string; arguments?: string } }[] = [];
    for await (const c of stream) fragments.push(...(c.choices[0]?.delta?.tool_calls ?? []));
    expect(fragments.map((f) => f.index)).toEqual([0, 1, 1]);
    expect(fragments[0].id).toMatch(/^call_/);
    expect(fragments[1].id).toMatch(/^call_/);
    expect(fragments[2].id).toBeUndefined();
    expect(fragments.map((f) => f.function?.arguments).join("")).toBe('{}{"x":1}');

    // Ollama's chat sends calls whole, once: the same calls, ids included.
    const res = await fetch(`${s.url}/api/chat`, { method: "POST", body: JSON.stringify({ model: "remote", messages: [{ role: "user", content: "go" }], tools }) });
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    const ollamaCalls = lines.flatMap((l) => l.message?.tool_calls ?? []);
    expect(ollamaCalls.map((c: { function: { name: string; arguments: unknown } }) => [c.function.name, c.function.arguments])).toEqual([["a", {}], ["b", { x: 1 }]]);
  });

  test("the Responses API on an upstream: its reasoning and tool calls become items, streamed as typed events", async () => {
    up.setScript(() => ({ text: "Sunny and warm.", reasoning: "check the sky", chunkDelayMs: 1, usage: { prompt: 9, completion: 5 } }));
    const events: string[] = [];
    const stream = ai.responses.stream({ model: "remote", input: "Weather?", instructions: "Be brief." });
    stream.on("event", (e) => events.push(e.type));
    const r = await stream.finalResponse();
    expect(last()).toMatchObject({ path: "/v1/chat/completions", body: { model: "big-model", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "Weather?" }] } });
    expect(r.output.map((o) => o.type)).toEqual(["reasoning", "message"]);
    expect(r.output[0]).toMatchObject({ content: [{ type: "reasoning_text", text: "check the sky" }] });
    expect(r.output_text).toBe("Sunny and warm.");
    expect(r.usage).toMatchObject({ input_tokens: 9, output_tokens: 5 });
    expect(events).toContain("response.reasoning_text.delta");
    expect(events.indexOf("response.reasoning_text.done")).toBeLessThan(events.indexOf("response.output_text.delta"));
    up.setScript(() => ({ toolCalls: [{ id: "call_9", name: "get_weather", arguments: "{\"city\":\"Oslo\"}" }], finishReason: "tool_calls" }));
    const called = await ai.responses.create({ model: "remote", input: "Weather in Oslo?", tools: [{ type: "function", name: "get_weather", parameters: { type: "object" }, strict: false }] });
    expect(called.output).toMatchObject([{ type: "function_call", call_id: "call_9", name: "get_weather", arguments: "{\"city\":\"Oslo\"}" }]);
  });

  test("Anthropic's Messages API on an upstream: thinking blocks when thinking is enabled, streamed as thinking deltas", async () => {
    up.setScript(() => ({ text: "Sunny.", reasoning: "look outside", chunkDelayMs: 1, usage: { prompt: 7, completion: 3 } }));
    const claude = new Anthropic({ baseURL: s.url, apiKey: "x", maxRetries: 0 });
    const deltas: string[] = [];
    const stream = claude.messages.stream({ model: "remote", max_tokens: 50, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "Weather?" }] });
    stream.on("streamEvent", (e) => { if (e.type === "content_block_delta") deltas.push(e.delta.type); });
    const m = await stream.finalMessage();
    expect(m.content).toMatchObject([{ type: "thinking", thinking: "look outside" }, { type: "text", text: "Sunny." }]);
    expect(deltas.indexOf("thinking_delta")).toBeLessThan(deltas.indexOf("text_delta"));
    expect(m.usage).toMatchObject({ input_tokens: 7, output_tokens: 3 });
    const plain = await claude.messages.create({ model: "remote", max_tokens: 50, messages: [{ role: "user", content: "Weather?" }] });
    expect(plain.content).toEqual([{ type: "text", text: "Sunny." }]);
    await expect(claude.messages.countTokens({ model: "remote", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 400 });
  });

  test("completions and embeddings", async () => {
    up.setScript((req) => (req.path.endsWith("/embeddings") ? { embeddings: [[0.5, 0.75], [1, 0]] } : { text: " world" }));
    const c = await ai.completions.create({ model: "remote", prompt: "hello", max_tokens: 3 });
    expect(c.choices[0].text).toBe(" world");
    expect(last()).toMatchObject({ path: "/v1/completions", body: { model: "big-model", prompt: "hello", max_tokens: 3 } });
    // Token ids belong to the upstream model's vocabulary: they pass through as sent.
    await ai.completions.create({ model: "remote", prompt: [[1, 2, 3], [4]] as never, max_tokens: 3 });
    expect(up.requests.slice(-2).map((r) => r.body.prompt)).toEqual([[1, 2, 3], [4]]);
    // Scoring the prompt, or echoing one given as ids, needs the model's tokenizer here.
    for (const extra of [{ prompt: "hello", logprobs: 1 }, { prompt: [1, 2] }]) {
      await expect(ai.completions.create({ model: "remote", max_tokens: 1, echo: true, ...extra } as never)).rejects.toMatchObject({ status: 400, param: "echo" });
    }
    const e = await ai.embeddings.create({ model: "remote", input: ["a", "b"] });
    expect(e.data.map((d) => d.embedding)).toEqual([[0.5, 0.75], [1, 0]]);
  });

  test("upstream 4xx keep their meaning: 400 stays 400, unknown model 404, 429 with Retry-After", async () => {
    const ask = () => ai.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "x" }] });
    up.setScript(() => ({ error: { status: 400, message: "temperature too hot", param: "temperature" } }));
    await expect(ask()).rejects.toMatchObject({ status: 400, error: { message: expect.stringContaining("temperature too hot"), param: "temperature" } });
    up.setScript(() => ({ error: { status: 404, message: "model big-model does not exist" } }));
    await expect(ask()).rejects.toMatchObject({ status: 404 });
    up.setScript(() => ({ error: { status: 429, message: "slow down" }, headers: { "retry-after": "3" } }));
    const err = await ask().catch((e) => e);
    expect(err.status).toBe(429);
    expect(err.headers.get("retry-after")).toBe("3");
    up.setScript(() => ({ error: { status: 500, message: "boom" } }));
    await expect(ask()).rejects.toMatchObject({ status: 502, error: { type: "server_error", code: "upstream_error" } });
  });

  test("an upstream that is down is a 502 in OpenAI's error shape", async () => {
    const port = await freePort();
    await s.app.upstreams.add({ name: "down", baseUrl: `http://127.0.0.1:${port}/v1` });
    const err = await ai.chat.completions.create({ model: "down", messages: [{ role: "user", content: "x" }] }).catch((e) => e);
    expect(err.status).toBe(502);
    expect(err.error).toMatchObject({ type: "server_error", code: "upstream_error", message: expect.stringContaining("unreachable") });
  });

  test("a client leaving mid-stream cancels the upstream request", async () => {
    up.setScript(() => ({ text: "a b c", hold: true }));
    const closed = up.nextAbort();
    const stream = await ai.chat.completions.create({ model: "remote", messages: [{ role: "user", content: "x" }], stream: true });
    for await (const c of stream) if (c.choices[0]?.delta?.content) break; // break aborts the HTTP request
    const r = await Promise.race([closed, new Promise((_, no) => setTimeout(() => no(new Error("upstream never saw the close")), 5000))]);
    expect(r).toMatchObject({ path: "/v1/chat/completions" });
  });

  test("names: a local model's name is a conflict; /v1/models lists upstreams as models", async () => {
    await expect(s.app.upstreams.add({ name: "tiny", baseUrl: up.url })).rejects.toMatchObject({ code: "conflict" });
    await expect(s.app.upstreams.add({ name: "remote", baseUrl: up.url })).rejects.toMatchObject({ code: "conflict" });
    const ids = (await ai.models.list()).data.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["remote", "tiny"]));
  });

  test("/api/show describes an upstream model without its address or key", async () => {
    for (const model of ["remote", "remote:latest"]) {
      const res = await fetch(s.url + "/api/show", { method: "POST", body: JSON.stringify({ model }) });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).not.toContain(KEY);
      expect(text).not.toContain(up.url);
      expect(JSON.parse(text)).toMatchObject({ details: { format: "upstream" }, capabilities: expect.arrayContaining(["completion"]) });
    }
    expect((await fetch(s.url + "/api/show", { method: "POST", body: JSON.stringify({ model: "nope" }) })).status).toBe(404);
  });

  test("the key never appears in /v1/models, /api/tags, upstream listings, the database or logs", async () => {
    for (const path of ["/v1/models", "/v1/models/remote", "/api/tags", "/openapi.json", "/metrics"]) {
      expect(await (await fetch(s.url + path)).text()).not.toContain(KEY);
    }
    const tags = await (await fetch(s.url + "/api/tags")).json();
    expect(tags.models.map((m: { name: string }) => m.name)).toContain("remote:latest");
    const list = await s.app.upstreams.list();
    expect(list.find((u) => u.name === "remote")).toMatchObject({ key: "encrypted", remoteModel: "big-model", baseUrl: up.url });
    expect(JSON.stringify(list)).not.toContain(KEY);
    expect(JSON.stringify(await s.app.db.query("SELECT * FROM upstreams"))).not.toContain(KEY);
    expect(logs.length).toBeGreaterThan(10);
    expect(logs.join("\n")).not.toContain(KEY);
    // JSON lines, and every line about a request carries its id.
    const parsed = logs.map((l) => JSON.parse(l));
    const requestLines = parsed.filter((l) => !String(l.msg).startsWith("Server listening"));
    expect(requestLines.length).toBeGreaterThan(10);
    expect(requestLines.filter((l) => typeof l.reqId !== "string")).toEqual([]);
    // One access line per request, at its end: method, path, status and time; none on arrival.
    expect(parsed.filter((l) => l.msg === "incoming request")).toEqual([]);
    const done = parsed.filter((l) => l.msg === "request completed");
    expect(new Set(done.map((l) => l.reqId)).size).toBe(done.length);
    expect(done.find((l) => l.req.url === "/v1/models/remote")).toMatchObject({ req: { method: "GET", remoteAddress: "127.0.0.1" }, res: { statusCode: 200 }, responseTime: expect.any(Number) });
    // The client that left mid-stream (above) is logged as nginx logs it: 499, client closed.
    expect(done.some((l) => l.req.url === "/v1/chat/completions" && l.res.statusCode === 499)).toBe(true);
  });
});

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", ok));
  const { port } = srv.address() as AddressInfo;
  await new Promise((ok) => srv.close(ok));
  return port;
}
