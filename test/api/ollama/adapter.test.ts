import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testAdapter, testModel } from "../../helpers/models.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";

/**
 * LoRA adapters as Ollama's clients make them (a Modelfile's ADAPTER: the file uploaded as a
 * blob, then /api/create's `adapters`), served on every route, and llama-server's
 * /lora-adapters and per-request `lora` for the model's own.
 */
let s: TestServer;
let ollama: Ollama;
let adapter: Buffer;
let digest: string;
beforeAll(async () => {
  s = await startServer({ models: { tiny: { shape: "tiny" } } });
  ollama = new Ollama({ host: s.url });
  adapter = readFileSync(await testAdapter());
  digest = `sha256:${createHash("sha256").update(adapter).digest("hex")}`;
});
afterAll(async () => { await s?.close(); });

const upload = (d: string, body: Buffer) => fetch(`${s.url}/api/blobs/${d}`, { method: "POST", body: new Uint8Array(body) });
const post = (path: string, body: unknown) => fetch(`${s.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
const greedy = { temperature: 0, num_predict: 12 };
const answer = async (model: string) => (await ollama.generate({ model, prompt: "The quick brown", raw: true, stream: false, options: greedy })).response;

describe("LoRA adapters through the API", () => {
  test("create FROM a model with an uploaded adapter: it answers differently, on /api and /v1 alike, and shows its ADAPTER", async () => {
    expect((await fetch(`${s.url}/api/blobs/${digest}`, { method: "HEAD" })).status).toBe(404);
    expect((await upload(digest, adapter)).status).toBe(201);
    const done = await ollama.create({ model: "tuned", from: "tiny", adapters: { "style.gguf": digest }, stream: false });
    expect(done.status).toBe("success");

    const [plain, tuned] = [await answer("tiny"), await answer("tuned")];
    expect(tuned).not.toBe(plain);
    expect(await answer("tuned")).toBe(tuned); // the adapter, every time
    const openai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "unused" });
    const viaOpenAI = await openai.completions.create({ model: "tuned", prompt: "The quick brown", max_tokens: 12, temperature: 0 });
    expect(viaOpenAI.choices[0].text).toBe(tuned);

    const shown = await ollama.show({ model: "tuned" });
    expect(shown.modelfile).toContain("ADAPTER style.gguf");
    expect(shown.modelfile).not.toContain(s.app.paths.home); // never where its file is
    // The uploaded blob became the adapter: HEAD still says it is here, so clients skip uploading it again.
    expect((await fetch(`${s.url}/api/blobs/${digest}`, { method: "HEAD" })).status).toBe(200);
    expect((await ollama.create({ model: "tuned-too", from: "tiny", adapters: { "style.gguf": digest }, stream: false })).status).toBe("success");
    expect(await answer("tuned-too")).toBe(tuned);

    // Embeddings would silently come from the base weights: refused, naming the reason.
    await expect(ollama.embed({ model: "tuned", input: "hi" })).rejects.toMatchObject({ status_code: 400, error: expect.stringContaining("LoRA adapter") });
  });

  test("a file that is not an adapter for this model is refused and its blob dropped; unknown digests are named", async () => {
    const model = readFileSync(await testModel({ seed: 3 }));
    const d = `sha256:${createHash("sha256").update(model).digest("hex")}`;
    expect((await upload(d, model)).status).toBe(201);
    await expect(ollama.create({ model: "bad", from: "tiny", adapters: { "model.gguf": d }, stream: false }))
      .rejects.toMatchObject({ status_code: 400, error: expect.stringMatching(/model\.gguf is not a LoRA adapter/) });
    expect((await fetch(`${s.url}/api/blobs/${d}`, { method: "HEAD" })).status).toBe(404);
    const missing = `sha256:${"a".repeat(64)}`;
    await expect(ollama.create({ model: "bad", from: "tiny", adapters: { "x.gguf": missing }, stream: false }))
      .rejects.toMatchObject({ status_code: 400, error: expect.stringContaining(`upload the adapter first with POST /api/blobs/${missing}`) });
    // A Modelfile's text naming a file on the client (older clients) cannot be read here.
    const r = await post("/api/create", { model: "bad", modelfile: "FROM tiny\nADAPTER ./style.gguf\n", stream: false });
    expect(r.status).toBe(400);
    expect((await r.json()).error).toContain("ADAPTER ./style.gguf: a file on the client cannot be read here");
    expect((await ollama.list()).models.map((m) => m.name)).not.toContain("bad:latest");
  });

  test("llama-server's /lora-adapters lists the model's adapters; a request's `lora` turns them off and on", async () => {
    const listed = await (await fetch(`${s.url}/lora-adapters?model=tuned`)).json();
    expect(listed).toEqual([{ id: 0, path: "style.gguf", scale: 1, task_name: "", prompt_prefix: "" }]);
    expect(await (await fetch(`${s.url}/lora-adapters?model=tiny`)).json()).toEqual([]);

    const complete = async (lora?: unknown) => {
      const r = await post("/completion", { model: "tuned", prompt: "The quick brown", n_predict: 12, temperature: 0, ...(lora ? { lora } : {}) });
      return { status: r.status, body: await r.json() };
    };
    const own = await complete();
    const on = await complete([{ id: 0, scale: 1 }]);
    const off = await complete([{ id: 0, scale: 0 }]);
    expect((await complete([])).body.content).toBe(own.body.content); // as llama-server reads an empty list: the defaults
    const base = await post("/completion", { model: "tiny", prompt: "The quick brown", n_predict: 12, temperature: 0 });
    expect(on.body.content).toBe(own.body.content);
    expect(off.body.content).toBe((await base.json()).content);
    expect(off.body.content).not.toBe(own.body.content);

    // Any scale, as llama-server takes it: half the adapter is neither the base nor the whole adapter.
    const half = await complete([{ id: 0, scale: 0.5 }]);
    expect(half.status).toBe(200);
    expect([own.body.content, off.body.content]).not.toContain(half.body.content);
    expect((await complete([{ id: 0, scale: 0.5 }])).body.content).toBe(half.body.content);
    const unknown = await complete([{ id: 3, scale: 1 }]);
    expect(unknown.body.error).toMatchObject({ code: 400, type: "invalid_request_error", message: expect.stringContaining("no adapter 3: this model's are 0-0") });
    const global = await post("/lora-adapters", [{ id: 0, scale: 0 }]);
    expect(global.status).toBe(400);
    expect((await global.json()).error.message).toContain("send `lora`");
  });

  test("an adapter file gone from the data folder is a clear error naming it (not its path); other models go on", async () => {
    const file = join(s.app.paths.adapters, `${digest.slice(7)}.gguf`);
    rmSync(file);
    try {
      const r = await post("/api/generate", { model: "tuned-too", prompt: "hi", stream: false, options: { num_predict: 2 } });
      expect(r.status).toBe(500);
      const { error } = await r.json();
      expect(error).toContain('model "tuned-too": its LoRA adapter style.gguf is missing from the data folder');
      expect(error).not.toContain(s.app.paths.home);
      expect((await ollama.generate({ model: "tiny", prompt: "hi", stream: false, options: { num_predict: 2 } })).eval_count).toBe(2);
    } finally {
      writeFileSync(file, adapter);
    }
  });

  test("deleting the last model that uses an adapter removes its file", async () => {
    const file = join(s.app.paths.adapters, `${digest.slice(7)}.gguf`);
    expect(existsSync(file)).toBe(true);
    await ollama.delete({ model: "tuned" });
    expect(existsSync(file)).toBe(true);
    await ollama.delete({ model: "tuned-too" });
    expect(existsSync(file)).toBe(false);
  });
});
