import { createRequire } from "node:module";
import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OLLAMA_API_VERSION } from "../../../src/api/ollama/models.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";

let s: TestServer;
let ollama: Ollama;

beforeAll(async () => {
  s = await startServer();
  ollama = new Ollama({ host: s.url });
});
afterAll(() => s?.close());

describe("Ollama model routes, through the ollama SDK", () => {
  it("lists both models with details", async () => {
    const { models } = await ollama.list();
    // Always with a tag, as Ollama lists them: clients split it off.
    expect(models.map((m) => m.name).sort()).toEqual(["tiny-moe:latest", "tiny:latest"]);
    const tiny = models.find((m) => m.name === "tiny:latest")!;
    expect(tiny).toMatchObject({ model: "tiny:latest", size: expect.any(Number) });
    expect(tiny.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(new Date(tiny.modified_at).getTime()).toBeGreaterThan(Date.now() - 3_600_000);
    expect(tiny.details).toMatchObject({
      format: "gguf", family: "llama", families: ["llama"], quantization_level: "F32",
      parameter_size: expect.stringMatching(/^\d+(\.\d+)?[KMB]$/),
    });
  });

  it("shows the chat template, model_info with expert counts, and truthful capabilities", async () => {
    const moe = await ollama.show({ model: "tiny-moe" });
    expect(moe.template).toContain("<|im_start|>");
    expect(moe.modelfile).toContain("FROM tiny-moe");
    const info = moe.model_info as unknown as Record<string, unknown>;
    expect(info).toMatchObject({
      "general.architecture": "llama", "llama.context_length": 2048, "llama.embedding_length": 64,
      "llama.expert_count": 4, "llama.expert_used_count": 2, "general.parameter_count": expect.any(Number),
    });
    expect(info["tokenizer.ggml.tokens"]).toBeNull(); // the vocabulary only with verbose
    expect(moe.capabilities).toEqual(["completion", "embedding"]);
    expect(moe.details.family).toBe("llama");

    const dense = (await ollama.show({ model: "tiny" })).model_info as unknown as Record<string, unknown>;
    expect(dense["llama.expert_count"]).toBeUndefined();
  });

  it("show of an unknown model is a 404 in Ollama's words", async () => {
    await expect(ollama.show({ model: "nope" })).rejects.toMatchObject({
      status_code: 404, error: 'model "nope" not found, try pulling it first',
    });
  });

  it("copies, refuses to overwrite, and deletes", async () => {
    await ollama.copy({ source: "tiny", destination: "tiny-copy" });
    const names = (await ollama.list()).models.map((m) => m.name);
    expect(names).toContain("tiny-copy:latest");
    await expect(ollama.copy({ source: "tiny", destination: "tiny-copy" })).rejects.toMatchObject({ status_code: 409 });
    await expect(ollama.copy({ source: "ghost", destination: "x" })).rejects.toMatchObject({ status_code: 404 });

    await ollama.delete({ model: "tiny-copy" });
    expect((await ollama.list()).models.map((m) => m.name)).not.toContain("tiny-copy:latest");
    await expect(ollama.delete({ model: "tiny-copy" })).rejects.toMatchObject({ status_code: 404 });
    // The original's file is shared with the copy and must survive.
    const r = await ollama.generate({ model: "tiny", prompt: "hi", options: { num_predict: 2 } });
    expect(r.done).toBe(true);
  });

  it("takes \"name:latest\" for \"name\", as Ollama does", async () => {
    expect((await ollama.show({ model: "tiny:latest" })).details.family).toBe("llama");
    const r = await ollama.generate({ model: "tiny:latest", prompt: "hi", options: { num_predict: 2 } });
    expect(r).toMatchObject({ model: "tiny:latest", done: true });

    // Every name as listed works everywhere: copy to "x:latest", use it bare, delete it tagged.
    await ollama.copy({ source: "tiny:latest", destination: "tiny-two:latest" });
    expect((await ollama.list()).models.map((m) => m.name)).toContain("tiny-two:latest");
    expect((await ollama.generate({ model: "tiny-two", prompt: "hi", options: { num_predict: 1 } })).done).toBe(true);
    await ollama.delete({ model: "tiny-two:latest" });
    expect((await ollama.list()).models.map((m) => m.name)).not.toContain("tiny-two:latest");
  });

  it("reports the Ollama API version it follows (clients gate on it), and Freehold's own beside it", async () => {
    const { version, freehold } = (await ollama.version()) as { version: string; freehold?: string };
    expect(version).toBe(OLLAMA_API_VERSION);
    expect(freehold).toBe(createRequire(import.meta.url)("../../../package.json").version);
  });
});
