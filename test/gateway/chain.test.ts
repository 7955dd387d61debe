import OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";

/** Freehold A serves B's generated model as an upstream: the same path end to end, twice. */
let a: TestServer;
let b: TestServer;

beforeAll(async () => {
  [a, b] = await Promise.all([startServer({ models: {} }), startServer({ models: { tiny: { shape: "tiny" } } })]);
  await a.app.upstreams.add({ name: "tiny-via-b", baseUrl: b.url, remoteModel: "tiny" });
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

test("a streamed chat through A reaches B's model and streams back", async () => {
  const ai = new OpenAI({ baseURL: `${a.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 30_000 });
  const stream = await ai.chat.completions.create({
    model: "tiny-via-b", messages: [{ role: "user", content: "Hello" }], max_tokens: 12, seed: 5, temperature: 0,
    stream: true, stream_options: { include_usage: true },
  });
  const pieces: string[] = [];
  let usage, finish;
  for await (const c of stream) {
    if (c.choices[0]?.delta?.content) pieces.push(c.choices[0].delta.content);
    finish ??= c.choices[0]?.finish_reason ?? undefined;
    if (c.usage) usage = c.usage;
  }
  expect(pieces.length).toBeGreaterThan(1);
  expect(finish).toMatch(/stop|length/);
  expect(usage).toMatchObject({ completion_tokens: expect.any(Number), prompt_tokens: expect.any(Number) });
  expect(usage!.prompt_tokens).toBeGreaterThan(0);

  // Same seed straight from B: the proxy changes nothing in the answer.
  const direct = await new OpenAI({ baseURL: `${b.url}/v1`, apiKey: "x", maxRetries: 0 }).chat.completions.create({
    model: "tiny", messages: [{ role: "user", content: "Hello" }], max_tokens: 12, seed: 5, temperature: 0,
  });
  expect(pieces.join("")).toBe(direct.choices[0].message.content);

  const metrics = await (await fetch(`${a.url}/metrics`)).text();
  expect(metrics).toMatch(/freehold_upstream_requests_total\{upstream="tiny-via-b",status="200"\} 1/);
  expect(metrics).toMatch(/freehold_generated_tokens_total\{model="tiny-via-b"\} [1-9]/);
});
