import { connect, type Socket } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, test } from "vitest";
import { startScriptedUpstream, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

/**
 * The request deadline (`requestTimeoutMs`, 60 s in production, 400 ms here): a client that
 * trickles its request is answered 408 and disconnected, while an answer that streams for longer
 * than the deadline is not cut.
 */
const TIMEOUT_MS = 400;
let s: TestServer;
let up: ScriptedUpstream;

beforeAll(async () => {
  up = await startScriptedUpstream();
  s = await startServer({ models: {}, server: { requestTimeoutMs: TIMEOUT_MS } });
  await s.app.upstreams.add({ name: "slow", baseUrl: up.url, apiKey: "k", remoteModel: "m" });
});
afterAll(async () => {
  await s?.close();
  await up?.close();
});

/** Writes `head` on a raw connection and resolves with everything the server sent once it closes. */
function rawExchange(head: string): Promise<{ reply: string; closedAfterMs: number; socket: Socket }> {
  const { port } = new URL(s.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(port), "127.0.0.1", () => socket.write(head));
    let reply = "";
    socket.setEncoding("utf8").on("data", (c: string) => { reply += c; });
    socket.on("error", reject);
    socket.on("close", () => resolve({ reply, closedAfterMs: performance.now() - started, socket }));
    setTimeout(() => { socket.destroy(); reject(new Error(`connection still open after 10 s; got ${JSON.stringify(reply)}`)); }, 10_000).unref();
  });
}

test("a body that never arrives in full gets 408 and the connection is closed", async () => {
  const body = '{"model":"slow","messages":[';
  const { reply } = await rawExchange(
    `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n${body}`,
  );
  expect(reply).toMatch(/^HTTP\/1\.1 408 /);
  expect(up.requests).toHaveLength(0); // nothing was forwarded
});

test("headers that never end are cut off too", async () => {
  const { reply } = await rawExchange("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a");
  expect(reply).toMatch(/^HTTP\/1\.1 408 /);
});

test("an answer streaming for longer than the deadline is delivered whole, and the server still serves", async () => {
  // 8 chunks 150 ms apart: about three deadlines.
  const words = Array.from({ length: 8 }, (_, i) => `w${i} `);
  up.setScript(() => ({ text: words.join(""), chunks: words, chunkDelayMs: 150 }));
  const ai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 15_000 });
  const started = performance.now();
  const stream = await ai.chat.completions.create({ model: "slow", messages: [{ role: "user", content: "go" }], stream: true });
  let text = "";
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? "";
  expect(performance.now() - started).toBeGreaterThan(TIMEOUT_MS * 2); // the case under test really happened
  expect(text).toBe(words.join(""));
  expect((await fetch(`${s.url}/health`)).status).toBe(200);
});

test("a request refused before its body arrives does not hold the connection past the deadline", async () => {
  // The DNS-rebinding guard answers 403 from the headers alone; the client never sends the body.
  const { reply } = await rawExchange(
    "POST /v1/chat/completions HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{",
  );
  expect(reply).toMatch(/^HTTP\/1\.1 403 /);
});

test("config.json's server.requestTimeoutMs is checked", async () => {
  await expect(startServer({ models: {}, config: { server: { requestTimeoutMs: "1 minute" as never } } }))
    .rejects.toThrow(/server\.requestTimeoutMs in config\.json is "1 minute"/);
});
