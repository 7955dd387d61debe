import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testModel } from "../../helpers/models.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";

let s: TestServer;
let ollama: Ollama;
let gguf: Buffer;
let digest: string;
beforeAll(async () => {
  s = await startServer({ models: {} });
  ollama = new Ollama({ host: s.url });
  gguf = await readFile(await testModel({ seed: 21 }));
  digest = `sha256:${createHash("sha256").update(gguf).digest("hex")}`;
});
afterAll(async () => { await s?.close(); });

const blob = (d: string, init: RequestInit = {}) => fetch(`${s.url}/api/blobs/${d}`, init);
const upload = (d: string, body: Buffer) => blob(d, { method: "POST", body: new Uint8Array(body), headers: { "content-type": "application/octet-stream" } });
/** `files` is Ollama's field; the JS SDK's type does not list it yet, but sends it. */
const create = (model: string, files: Record<string, string>) =>
  ollama.create({ model, files, stream: false } as Parameters<Ollama["create"]>[0] & { stream: false });
const leftovers = async () => (await readdir(s.app.paths.downloads).catch(() => [])).filter((f) => f.endsWith(".partial"));

describe("blobs and /api/create from a GGUF, as `ollama create` with FROM ./file.gguf does it", () => {
  test("HEAD says 404 until the upload, 201 on upload, then 200; create registers it and it generates", async () => {
    expect((await blob(digest, { method: "HEAD" })).status).toBe(404);
    // Ollama's own client sends the file as application/json: the body is read raw whatever the type.
    const r = await blob(digest, { method: "POST", body: new Uint8Array(gguf), headers: { "content-type": "application/json" } });
    expect(r.status).toBe(201);
    expect((await blob(digest, { method: "HEAD" })).status).toBe(200);
    expect((await create("uploaded", { "tiny.gguf": digest })).status).toBe("success");
    const m = await s.app.models.get("uploaded");
    expect(m).toMatchObject({ sha256: digest.slice(7), source: "import", architecture: "llama", sizeBytes: gguf.length });
    const g = await ollama.generate({ model: "uploaded", prompt: "hi", stream: false, options: { num_predict: 3 } });
    expect(g.eval_count).toBeGreaterThan(0);
    // The blob became the model's file; its bytes still count as present, and a second name shares them.
    expect((await blob(digest, { method: "HEAD" })).status).toBe(200);
    expect((await create("uploaded-too", { "tiny.gguf": digest })).status).toBe("success");
    expect((await s.app.models.get("uploaded-too")).path).toBe(m.path);
  }, 60_000);

  test("an upload whose bytes are not the digest it names is refused and nothing is kept", async () => {
    const other = `sha256:${"0".repeat(64)}`;
    const r = await upload(other, gguf);
    expect(r.status).toBe(400);
    expect((await r.json()).error).toMatch(/SHA-256 is [0-9a-f]{64}, not the 0{64}/);
    expect((await blob(other, { method: "HEAD" })).status).toBe(404);
    expect(await leftovers()).toEqual([]);
    for (const bad of ["sha256:xyz", "md5:abc", "sha256:" + "A".repeat(64)]) expect((await upload(bad, gguf)).status).toBe(400);
  });

  test("a client that goes away mid-upload leaves no partial file, and the server keeps serving", async () => {
    const abort = new AbortController();
    let sent = 0, sawPartial = false;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        if (sent >= gguf.length / 2) {
          // Abort only once the server is writing the partial file (a slow machine may take a while).
          for (let i = 0; i < 500 && !(sawPartial = (await leftovers()).length > 0); i++) await new Promise((r) => setTimeout(r, 20));
          abort.abort();
          return;
        }
        c.enqueue(gguf.subarray(sent, sent + 4096));
        sent += 4096;
      },
    });
    await expect(fetch(`${s.url}/api/blobs/${digest.replace(/.$/, "0")}`, { method: "POST", body, signal: abort.signal, duplex: "half" } as RequestInit)).rejects.toThrow();
    for (let i = 0; i < 500 && (await leftovers()).length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(sawPartial).toBe(true); // the upload was being written
    expect(await leftovers()).toEqual([]);
    expect((await fetch(`${s.url}/api/tags`)).status).toBe(200);
  });

  test("an upload's partial file left by a process that crashed goes with the next upload", async () => {
    const { spawnSync } = await import("node:child_process");
    const { writeFile } = await import("node:fs/promises");
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const stale = `upload-${dead}-00000000-0000-0000-0000-000000000000.partial`;
    await writeFile(`${s.app.paths.downloads}/${stale}`, "half an upload");
    expect(await leftovers()).toEqual([stale]);
    const small = Buffer.from("not a model, just bytes");
    expect((await upload(`sha256:${createHash("sha256").update(small).digest("hex")}`, small)).status).toBe(201);
    expect(await leftovers()).toEqual([]);
  });

  test("a truncated GGUF is refused by name at create, its blob goes, and the server keeps serving", async () => {
    const cut = gguf.subarray(0, 1000);
    const d = `sha256:${createHash("sha256").update(cut).digest("hex")}`;
    expect((await upload(d, cut)).status).toBe(201);
    const r = await fetch(`${s.url}/api/create`, { method: "POST", body: JSON.stringify({ model: "cut", files: { "cut.gguf": d }, stream: false }) });
    expect(r.status).toBe(400);
    const { error } = await r.json();
    expect(error).toMatch(/cut\.gguf is truncated/);
    expect(error).not.toContain(s.app.paths.downloads);
    expect(await s.app.models.find("cut")).toBeUndefined();
    expect((await blob(d, { method: "HEAD" })).status).toBe(404);
    expect((await ollama.list()).models.length).toBeGreaterThan(0);
  });

  test("create's files: one .gguf of a blob that is here, not mixed with from/quantize", async () => {
    const post = (body: object) => fetch(`${s.url}/api/create`, { method: "POST", body: JSON.stringify(body) });
    const missing = await post({ model: "x", files: { "x.gguf": `sha256:${"1".repeat(64)}` } });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error).toMatch(/no blob sha256:1{64} on this server: upload it first/);
    expect((await post({ model: "x", files: { "a.gguf": digest, "b.gguf": digest } })).status).toBe(400);
    expect((await post({ model: "x", files: { "model.safetensors": digest } })).status).toBe(400);
    expect((await post({ model: "x", files: { "x.gguf": digest }, from: "uploaded", quantize: "q8_0" })).status).toBe(400);
    expect((await post({ model: "x", files: { "x.gguf": "nope" } })).status).toBe(400);
    expect(await s.app.models.find("x")).toBeUndefined();
  });
});
