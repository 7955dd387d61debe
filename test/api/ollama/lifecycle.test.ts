import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GenerateResult } from "../../../src/runtime/types.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";

let s: TestServer;
let ollama: Ollama;

beforeAll(async () => {
  s = await startServer();
  ollama = new Ollama({ host: s.url });
});
afterAll(async () => {
  // After the aborted stream, the client opens a spare connection that never sends a request;
  // server.close() would wait for it until the keep-alive timeout (72 s).
  s?.server.server.closeAllConnections();
  await s?.close();
});

const hi = [{ role: "user", content: "Hello there" }];
const loaded = async () => (await ollama.ps()).models.map((m) => m.name);
async function until(check: () => boolean | Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("loading and unloading through keep_alive", () => {
  it("preloads on a chat without messages (done_reason load), listed by ps", async () => {
    const r = await ollama.chat({ model: "tiny", messages: [] });
    expect(r).toMatchObject({ model: "tiny", done: true, done_reason: "load", message: { role: "assistant", content: "" } });
    const m = (await ollama.ps()).models.find((x) => x.name === "tiny:latest");
    expect(m).toMatchObject({ model: "tiny:latest", size_vram: 0, details: { format: "gguf", family: "llama" } });
    expect(m!.size).toBeGreaterThan(0);
    expect(m!.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(m!.expires_at).getTime()).toBeGreaterThan(Date.now());
  });

  it("unloads on a generate without prompt and keep_alive 0 (done_reason unload)", async () => {
    const r = await ollama.generate({ model: "tiny", prompt: "", keep_alive: 0 });
    expect(r).toMatchObject({ done: true, done_reason: "unload", response: "" });
    expect(await loaded()).not.toContain("tiny:latest");
  });

  it("keep_alive 0 unloads when the request ends, \"1s\" a second later", async () => {
    await ollama.generate({ model: "tiny", prompt: "hi", keep_alive: 0, options: { num_predict: 2 } });
    await until(async () => !(await loaded()).includes("tiny:latest"));

    await ollama.chat({ model: "tiny-moe", messages: hi, keep_alive: "1s", options: { num_predict: 2 } });
    expect(await loaded()).toContain("tiny-moe:latest");
    await until(async () => !(await loaded()).includes("tiny-moe:latest"), 10_000);
  });

  it("keep_alive -1 keeps the model loaded", async () => {
    await ollama.chat({ model: "tiny", messages: hi, keep_alive: -1, options: { num_predict: 2 } });
    await new Promise((r) => setTimeout(r, 1200));
    const m = (await ollama.ps()).models.find((x) => x.name === "tiny:latest");
    expect(new Date(m!.expires_at).getUTCFullYear()).toBeGreaterThan(9000);
  });

  it("embed honours keep_alive too", async () => {
    await ollama.embed({ model: "tiny-moe", input: "x", keep_alive: 0 });
    await until(async () => !(await loaded()).includes("tiny-moe:latest"));
  });
});

describe("a client that goes away", () => {
  it("aborting a stream (SDK abort) cancels the generation and frees its sequence", async () => {
    const runtime = s.app.runtime;
    const chat = runtime.chat.bind(runtime);
    let finished: Promise<GenerateResult> | undefined;
    runtime.chat = (...args) => (finished = chat(...args));
    try {
      // Greedy decoding on the tiny model runs to the token limit (~1.5 s) without an end token.
      const stream = await ollama.chat({ model: "tiny", messages: hi, stream: true, options: { num_predict: 1500, temperature: 0 } });
      let pieces = 0;
      await expect((async () => {
        for await (const _ of stream) if (++pieces === 3) stream.abort();
      })()).rejects.toThrow(/abort/i);
      const result = await finished!;
      expect(result.finishReason).toBe("cancelled");
      expect(result.usage.completionTokens).toBeLessThan(1500);
      await until(() => runtime.ps().every((p) => p.busySequences === 0 && p.activeRequests === 0));
    } finally {
      runtime.chat = chat;
    }
    // The model serves the next request normally.
    expect((await ollama.chat({ model: "tiny", messages: hi, options: { num_predict: 3, seed: 1 } })).done).toBe(true);
  });
});
