import { readFile } from "node:fs/promises";
import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeHub, type FakeHub } from "../../helpers/fakeHub.ts";
import { testModel } from "../../helpers/models.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";

let s: TestServer;
let hub: FakeHub;
let ollama: Ollama;

beforeAll(async () => {
  const content = await readFile(await testModel({ shape: "tiny", seed: 7 }));
  hub = await startFakeHub({ files: { "acme/tiny-GGUF": [{ path: "tiny-F32.gguf", content }] } });
  // The pull code reads the hub's address from HF_ENDPOINT, as huggingface_hub does.
  process.env.HF_ENDPOINT = hub.endpoint;
  delete process.env.HF_TOKEN;
  s = await startServer({ models: {} });
  ollama = new Ollama({ host: s.url });
});
afterAll(async () => {
  await s?.close();
  await hub?.close();
  delete process.env.HF_ENDPOINT;
});

describe("/api/pull from a (loopback) Hugging Face hub", () => {
  it("streams Ollama's progress statuses and registers the model under the name pulled", async () => {
    const name = "hf.co/acme/tiny-GGUF:F32";
    const seen = [];
    for await (const p of await ollama.pull({ model: name, stream: true })) seen.push(p);
    const statuses = seen.map((p) => p.status);
    expect(statuses[0]).toBe("pulling manifest");
    expect(statuses.slice(-3)).toEqual(["verifying sha256 digest", "writing manifest", "success"]);
    const progress = seen.filter((p) => p.digest);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress[0].digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(progress[0].status).toBe(`pulling ${progress[0].digest.slice(7, 19)}`);
    expect(progress.at(-1)!.completed).toBe(progress.at(-1)!.total);

    const listed = (await ollama.list()).models.find((m) => m.name === name);
    expect(listed?.digest).toBe(progress[0].digest.slice(7));
    const r = await ollama.generate({ model: name, prompt: "hi", options: { num_predict: 3, temperature: 0 } });
    expect(r.eval_count).toBe(3);
  });

  it("answers once without streaming, and pulling again is a no-op", async () => {
    const before = hub.cdnBytes();
    expect(await ollama.pull({ model: "hf.co/acme/tiny-GGUF:F32" })).toEqual({ status: "success" });
    expect(hub.cdnBytes()).toBe(before);
  });

  it("refuses, before downloading, a name already taken by other weights", async () => {
    const name = "hf.co/acme/tiny-GGUF:tiny-F32.gguf";
    await s.app.models.register(await testModel({ shape: "tiny-moe" }), { name });
    const before = hub.cdnBytes();
    await expect(ollama.pull({ model: name, stream: true })).rejects.toMatchObject({ status_code: 409 });
    expect(hub.cdnBytes()).toBe(before);
  });

  it("a repository the hub does not have is a 404 before any stream starts", async () => {
    const res = await fetch(`${s.url}/api/pull`, { method: "POST", body: JSON.stringify({ model: "hf.co/acme/missing" }) });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/not found/);
  });
});
