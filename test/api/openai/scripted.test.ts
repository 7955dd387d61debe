import Fastify, { type FastifyInstance } from "fastify";
import type OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";
import type { App } from "../../../src/app.ts";
import { sendError } from "../../../src/api/errors.ts";
import { openaiRoutes } from "../../../src/api/openai/index.ts";
import { FreeholdError, notFound } from "../../../src/errors.ts";
import type { Backend } from "../../../src/gateway/types.ts";
import type { Delta, GenerateOptions, GenerateResult } from "../../../src/runtime/types.ts";
import { post, sdk } from "./helpers.ts";

/**
 * The routes against a scripted backend: the streaming edge cases a real model will not produce
 * on demand (errors mid-stream, tool calls only at the end, missing logprobs, a hung client).
 */
type Step = Delta | { fail: FreeholdError } | { wait: number };
let script: Step[] = [];
let final: Partial<GenerateResult> = {};
let lastSignal: AbortSignal | undefined;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function play(opts: GenerateOptions): Promise<GenerateResult> {
  lastSignal = opts.signal;
  let text = "";
  for (const step of script) {
    if (opts.signal?.aborted) return result(text, "cancelled");
    if ("fail" in step) throw step.fail;
    if ("wait" in step) { await sleep(step.wait); continue; }
    text += step.text ?? "";
    opts.onDelta?.(step);
    await sleep(1);
  }
  return { ...result(text, "stop"), ...final };
}

const result = (text: string, finishReason: GenerateResult["finishReason"]): GenerateResult => ({
  text, finishReason, usage: { promptTokens: 3, completionTokens: text.length }, timings: { queueMs: 0, loadMs: 0, firstTokenMs: 0, totalMs: 0 },
});

const backend: Backend = {
  kind: "upstream",
  chat: (_m, o) => play(o), complete: (_p, o) => play(o),
  embed: async (inputs) => ({ embeddings: inputs.map(() => [0.6, 0.8]), promptTokens: inputs.length }),
  rerank: async (_q, documents) => ({ scores: documents.map(() => 0.5), promptTokens: documents.length }),
  contextSize: async () => 100,
};
const app = {
  gateway: {
    resolve: async (name: string) => { if (name !== "m") throw notFound(`model "${name}" not found`); return backend; },
    list: async () => [{ name: "m", kind: "upstream", createdAt: new Date(0) }],
  },
} as unknown as App;

let server: FastifyInstance;
let url: string;
let ai: OpenAI;
beforeAll(async () => {
  server = Fastify();
  server.setErrorHandler((err, req, reply) => sendError(req, reply, err));
  openaiRoutes(server, app);
  url = await server.listen({ host: "127.0.0.1", port: 0 });
  ai = sdk(url);
});
afterAll(() => server?.close());

const ask = { model: "m", messages: [{ role: "user" as const, content: "hi" }] };

async function sseEvents(res: Response): Promise<string[]> {
  return (await res.text()).split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
}

test("an error before the first delta keeps its status: 429 with Retry-After, even when streaming", async () => {
  script = [{ fail: new FreeholdError("rate_limited", "busy", { retryAfterSeconds: 2 }) }];
  const r = await post(url, "/v1/chat/completions", { ...ask, stream: true });
  expect(r.status).toBe(429);
  expect(r.headers.get("retry-after")).toBe("2");
  expect(r.json.error).toMatchObject({ message: "busy", code: "rate_limit_exceeded" });
});

test("an error after streaming began becomes an error event, then the stream ends", async () => {
  script = [{ text: "a" }, { fail: new FreeholdError("internal", "boom") }];
  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...ask, stream: true }) });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  const events = await sseEvents(res);
  expect(JSON.parse(events[0]).choices[0].delta).toEqual({ role: "assistant", content: "a" });
  expect(JSON.parse(events.at(-1)!).error).toMatchObject({ message: "boom", type: "server_error" });
  expect(events).not.toContain("[DONE]");
});

test("tool calls known only at the end are streamed before the finish chunk", async () => {
  script = [{ text: "" }];
  final = { toolCalls: [{ id: "call_1", name: "f", arguments: '{"a":true}' }], finishReason: "tool_calls" };
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const c of await ai.chat.completions.create({ ...ask, stream: true })) chunks.push(c);
  final = {};
  expect(chunks[0].choices[0].delta).toMatchObject({ role: "assistant", tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: '{"a":true}' } }] });
  expect(chunks.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: "tool_calls" });
});

test("logprobs the backend cannot give are a 400, streamed or not", async () => {
  script = [{ text: "a" }, { text: "b" }];
  for (const stream of [false, true]) {
    const r = await post(url, "/v1/chat/completions", { ...ask, stream, logprobs: true });
    expect(r.status).toBe(400);
    expect(r.json.error.param).toBe("logprobs");
  }
});

test("a client that goes away mid-stream aborts the generation", async () => {
  script = [{ text: "a" }, ...Array.from({ length: 100 }, () => ({ wait: 20 }))];
  const abort = new AbortController();
  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...ask, stream: true }), signal: abort.signal });
  const reader = res.body!.getReader();
  await reader.read();
  abort.abort();
  for (let i = 0; i < 500 && !lastSignal?.aborted; i++) await sleep(10);
  expect(lastSignal?.aborted).toBe(true);
});

test("max_tokens beyond the context is refused up front", async () => {
  const r = await post(url, "/v1/chat/completions", { ...ask, max_tokens: 101 });
  expect(r.json.error).toMatchObject({ param: "max_tokens" });
  expect(r.json.error.message).toContain("100");
});

test("unknown model: 404 before anything runs", async () => {
  await expect(ai.chat.completions.create({ ...ask, model: "x" })).rejects.toMatchObject({ status: 404 });
});
