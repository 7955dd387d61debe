import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FreeholdError } from "../../../src/errors.ts";
import type { Runtime } from "../../../src/runtime/index.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";

let s: TestServer;

beforeAll(async () => {
  // One sequence and a one-place queue, so a third concurrent request finds the queue full.
  s = await startServer({ models: { tiny: { shape: "tiny" } }, app: { runtime: { sequences: 1, queueLimit: 1 } } });
});
afterAll(() => s?.close());

/** Raw HTTP: these requests are malformed on purpose, which the SDK would not send. */
async function post(path: string, body: string | object, headers: Record<string, string> = { "content-type": "application/json" }) {
  const res = await fetch(s.url + path, { method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type") ?? "", retryAfter: res.headers.get("retry-after"), text, json: () => JSON.parse(text) };
}

describe("bad input gets Ollama's {error} with a proper status", () => {
  it("malformed JSON → 400", async () => {
    const r = await post("/api/chat", '{"model": "tiny", "messages": [');
    expect(r.status).toBe(400);
    expect(r.json()).toEqual({ error: expect.any(String) });
  });

  it("unknown model → 404, also when streaming was asked for", async () => {
    for (const path of ["/api/chat", "/api/generate"]) {
      const r = await post(path, { model: "ghost", messages: [{ role: "user", content: "hi" }], prompt: "hi", stream: true });
      expect(r.status).toBe(404);
      expect(r.type).toContain("application/json");
      expect(r.json()).toEqual({ error: 'model "ghost" not found, try pulling it first' });
    }
    expect((await post("/api/embed", { model: "ghost", input: "x" })).status).toBe(404);
  });

  it.each([
    ["/api/chat", { model: "tiny", messages: "hi" }, /messages/],
    ["/api/chat", { model: "tiny", messages: [{ role: "wizard", content: "hi" }] }, /role/],
    ["/api/chat", { messages: [{ role: "user", content: "hi" }] }, /model is required/],
    ["/api/generate", { model: "tiny", prompt: 42 }, /prompt/],
    ["/api/generate", { model: "tiny", prompt: "hi", options: { temperature: "hot" } }, /options\.temperature/],
    ["/api/generate", { model: "tiny", prompt: "hi", options: { num_predict: -3 } }, /num_predict/],
    ["/api/generate", { model: "tiny", prompt: "hi", keep_alive: "forever" }, /keep_alive/],
    ["/api/generate", { model: "tiny", prompt: "hi", format: "yaml" }, /format/],
    ["/api/generate", { model: "tiny", prompt: "hi", template: "{{ .Prompt }}" }, /custom templates are not supported/],
    ["/api/generate", { model: "tiny", prompt: "hi", context: [1, 10_000_000] }, /10000000 \(position 1\) is not in this model's vocabulary/],
    ["/api/generate", { model: "tiny", prompt: "hi", context: [1, 2, 3], think: true }, /think needs the conversation as messages/],
    ["/api/generate", { model: "tiny", prompt: "hi", raw: true, system: "x" }, /raw mode/],
    ["/api/generate", { model: "tiny", prompt: "hi", suffix: "end" }, /insert/],
    ["/api/generate", { model: "tiny", prompt: "hi", options: { num_ctx: -1 } }, /num_ctx/],
    ["/api/embed", { model: "tiny", input: [1, 2] }, /input/],
    ["/api/copy", { source: "tiny" }, /destination/],
    ["/api/pull", { model: "llama3.2" }, /only GGUF repositories on Hugging Face/],
  ])("%s %j → 400", async (path, body, message) => {
    const r = await post(path, body);
    expect(r.status).toBe(400);
    expect(r.json().error).toMatch(message);
  });

  it("images → 400: the model does not accept images", async () => {
    const chat = await post("/api/chat", { model: "tiny", messages: [{ role: "user", content: "what is this?", images: ["aGVsbG8="] }] });
    expect(chat.status).toBe(400);
    expect(chat.json().error).toMatch(/does not accept images/);
    const gen = await post("/api/generate", { model: "tiny", prompt: "describe", images: ["aGVsbG8="] });
    expect(gen.status).toBe(400);
  });

  it("reads the body as JSON whatever the content type, like Ollama (curl -d)", async () => {
    const r = await post("/api/generate", { model: "tiny", prompt: "hi", stream: false, options: { num_predict: 2 } },
      { "content-type": "application/x-www-form-urlencoded" });
    expect(r.status).toBe(200);
    expect(r.json()).toMatchObject({ done: true });
  });

  it("streams NDJSON by default", async () => {
    const r = await post("/api/generate", { model: "tiny", prompt: "hi", options: { num_predict: 3, seed: 1 } }); // a seed: an unseeded draw may end early
    expect(r.status).toBe(200);
    expect(r.type).toBe("application/x-ndjson");
    const lines = r.text.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.at(-1)).toMatchObject({ done: true, eval_count: 3 });
    expect(lines.slice(0, -1).every((l) => l.done === false)).toBe(true);
  });
});

describe("errors around streaming", () => {
  /** Replaces runtime.chat for one test: the error paths a healthy tiny model never takes. */
  async function withChat(fake: Runtime["chat"], fn: () => Promise<void>) {
    const runtime = s.app.runtime;
    const real = runtime.chat;
    runtime.chat = fake;
    try { await fn(); } finally { runtime.chat = real; }
  }
  const chat = { model: "tiny", messages: [{ role: "user", content: "hi" }] };

  it("an error after the first piece ends the stream with an {error} line", async () => {
    await withChat(async (_ref, _m, opts) => {
      opts?.onDelta?.({ text: "Hel" });
      throw new FreeholdError("internal", "the backend fell over", { cause: new Error("x") });
    }, async () => {
      const r = await post("/api/chat", chat);
      expect(r.status).toBe(200);
      const lines = r.text.trim().split("\n").map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ message: { content: "Hel" }, done: false });
      expect(lines.at(-1)).toEqual({ error: "the backend fell over" });
    });
  });

  it("a generation the server cancels is an error, not a normal stop", async () => {
    const cancelled = async () => ({
      text: "", finishReason: "cancelled" as const, usage: { promptTokens: 1, completionTokens: 0 },
      timings: { queueMs: 0, loadMs: 0, firstTokenMs: 0, totalMs: 0 },
    });
    await withChat(cancelled, async () => {
      const r = await post("/api/chat", chat);
      expect(r.status).toBe(503);
      expect(r.json().error).toMatch(/cancelled by the server/);
    });
  });

  it("a full queue is a 429 with Retry-After before any stream starts", async () => {
    const ac = new AbortController();
    // Greedy decoding runs the tiny model to the token limit (~1.5 s), holding the only sequence.
    const body = JSON.stringify({ ...chat, options: { num_predict: 1500, temperature: 0 } });
    const send = () => fetch(s.url + "/api/chat", { method: "POST", body, signal: ac.signal });
    try {
      expect((await send()).status).toBe(200); // streaming: it holds the sequence
      const queued = send().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
      const full = await send();
      expect(full.status).toBe(429);
      expect(Number(full.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await full.json()).error).toMatch(/busy/);
      ac.abort();
      await queued;
    } finally {
      ac.abort();
    }
  });
});
