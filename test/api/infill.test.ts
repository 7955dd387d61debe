import OpenAI from "openai";
import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getLlama } from "../../src/runtime/llama.ts";
import { infillTokens } from "../../src/runtime/infill.ts";
import { testModel } from "../helpers/models.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

/**
 * Fill in the middle (code completion in an editor): OpenAI's `suffix` on /v1/completions and
 * Ollama's `suffix` on /api/generate, on a generated model with a code model's FIM tokens, and
 * through an upstream (a second Freehold).
 */
let s: TestServer, front: TestServer;
let openai: OpenAI, ollama: Ollama;
/** The FIM prompt's token ids, built in this process from the same file. */
let expected: number[];
const prefix = "def add(a, b):\n    return ", suffix = "\n\nprint(add(1, 2))\n";
const greedy = { max_tokens: 12, temperature: 0, seed: 1 } as const;

beforeAll(async () => {
  s = await startServer({ models: { coder: { shape: "tiny-coder" }, tiny: { shape: "tiny" } } });
  front = await startServer({ models: {} });
  await front.app.upstreams.add({ name: "coder-via-b", baseUrl: s.url, remoteModel: "coder" });
  openai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 30_000 });
  ollama = new Ollama({ host: s.url });
  const model = await (await getLlama({ gpu: false })).loadModel({ modelPath: await testModel({ shape: "tiny-coder" }) });
  expected = infillTokens(model, prefix, suffix, 2048);
  await model.dispose();
});
afterAll(async () => { await front?.close(); await s?.close(); });

describe("fill in the middle", () => {
  test("OpenAI completions with suffix: the prompt goes round the model's FIM tokens, streamed or not", async () => {
    const r = await openai.completions.create({ model: "coder", prompt: prefix, suffix, ...greedy });
    // The same answer as the FIM prompt sent as token ids: the suffix was used, in llama-server's layout.
    const byTokens = await openai.completions.create({ model: "coder", prompt: expected, ...greedy });
    expect(r.choices[0].text).toBe(byTokens.choices[0].text);
    expect(r.usage?.prompt_tokens).toBe(expected.length);
    expect(r.usage?.completion_tokens).toBeGreaterThan(0);
    const plain = await openai.completions.create({ model: "coder", prompt: prefix, ...greedy });
    expect(plain.usage?.prompt_tokens).toBeLessThan(expected.length);

    const stream = await openai.completions.create({ model: "coder", prompt: prefix, suffix, ...greedy, stream: true });
    let text = "";
    for await (const c of stream) text += c.choices[0]?.text ?? "";
    expect(text).toBe(r.choices[0].text);
  });

  test("Ollama generate with suffix gives the same answer, and show lists insert for that model only", async () => {
    const g = await ollama.generate({ model: "coder", prompt: prefix, suffix, stream: false, options: { temperature: 0, seed: 1, num_predict: 12 } });
    const r = await openai.completions.create({ model: "coder", prompt: prefix, suffix, ...greedy });
    expect(g.response).toBe(r.choices[0].text);
    expect(g.prompt_eval_count).toBe(expected.length);
    expect((await ollama.show({ model: "coder" })).capabilities).toContain("insert");
    expect((await ollama.show({ model: "tiny" })).capabilities).not.toContain("insert");
  });

  test("models registered before imports recorded FIM tokens get the flag from their file, once", async () => {
    await s.app.db.query("UPDATE models SET metadata = metadata - 'infill'");
    expect((await ollama.show({ model: "coder" })).capabilities).not.toContain("insert");
    expect((await s.app.models.recordInfill()).sort()).toEqual(["coder", "tiny"]);
    expect((await s.app.models.get("coder")).metadata.infill).toBe(true);
    expect((await s.app.models.get("tiny")).metadata.infill).toBe(false);
    expect((await ollama.show({ model: "coder" })).capabilities).toContain("insert");
    expect(await s.app.models.recordInfill()).toEqual([]); // nothing left to read
  });

  test("through an upstream the suffix is passed on and the answer is the engine's", async () => {
    const via = new OpenAI({ baseURL: `${front.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 30_000 });
    const r = await via.completions.create({ model: "coder-via-b", prompt: prefix, suffix, ...greedy });
    const direct = await openai.completions.create({ model: "coder", prompt: prefix, suffix, ...greedy });
    expect(r.choices[0].text).toBe(direct.choices[0].text);
    expect(r.usage?.prompt_tokens).toBe(expected.length);
  });

  test("refused clearly: a model without FIM tokens, echo, token-id prompts, system or template with a suffix", async () => {
    const post = async (path: string, body: object) => {
      const r = await fetch(`${s.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      return { status: r.status, body: await r.json() };
    };
    const noFim = await post("/v1/completions", { model: "tiny", prompt: "a", suffix: "b" });
    expect(noFim).toMatchObject({ status: 400, body: { error: { param: "suffix", message: expect.stringMatching(/does not support insert/) } } });
    expect((await post("/api/generate", { model: "tiny", prompt: "a", suffix: "b" })).body.error).toMatch(/does not support insert/);
    expect((await post("/v1/completions", { model: "coder", prompt: "a", suffix: "b", echo: true })).body.error.param).toBe("echo");
    expect((await post("/v1/completions", { model: "coder", prompt: [1, 2], suffix: "b" })).body.error.param).toBe("prompt");
    expect((await post("/api/generate", { model: "coder", prompt: "a", suffix: "b", system: "be brief", stream: false })).status).toBe(400);
    // Still serving.
    expect((await post("/api/generate", { model: "coder", prompt: "a", suffix: "b", stream: false, options: { num_predict: 2 } })).status).toBe(200);
  });
});
