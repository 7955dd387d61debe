import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";

/** Models made FROM another with a Modelfile's SYSTEM, PARAMETER and MESSAGE (Ollama's create). */
let s: TestServer;
let ollama: Ollama;
const post = (path: string, body: object) => fetch(`${s.url}${path}`, { method: "POST", body: JSON.stringify(body) });

beforeAll(async () => {
  s = await startServer({ models: { tiny: { shape: "tiny" } } });
  ollama = new Ollama({ host: s.url });
});
afterAll(async () => { await s?.close(); });

const SYSTEM = "You answer in one short line.";
const OPENING = [{ role: "user", content: "Hello" }, { role: "assistant", content: "Hi." }];

describe("models with a preset (system prompt, parameters, messages)", () => {
  test("create FROM a model: shown as Ollama shows it, and every chat runs with it", async () => {
    const done = await ollama.create({
      model: "terse", from: "tiny", system: SYSTEM, stream: false,
      parameters: { temperature: 0, num_predict: 5, stop: ["</s>"] } as never, messages: OPENING as never,
    });
    expect(done.status).toBe("success");

    const shown = await ollama.show({ model: "terse" }) as Awaited<ReturnType<Ollama["show"]>> & { system?: string; messages?: unknown };
    expect(shown.system).toBe(SYSTEM);
    expect(shown.messages).toEqual(OPENING);
    expect(shown.parameters.split("\n").map((l) => l.split(/\s+/)[0]).sort()).toEqual(["num_predict", "stop", "temperature"]);
    expect(shown.modelfile).toContain(`SYSTEM ${SYSTEM}`);
    expect(shown.modelfile).toContain("PARAMETER num_predict 5");
    expect(shown.modelfile).toContain("MESSAGE assistant Hi.");

    // The same conversation spelled out on the plain weights gives the same answer.
    const question = { role: "user", content: "What is a GGUF file?" };
    const viaPreset = await ollama.chat({ model: "terse", messages: [question] });
    const spelledOut = await ollama.chat({
      model: "tiny", messages: [{ role: "system", content: SYSTEM }, ...OPENING, question],
      options: { temperature: 0, num_predict: 5, stop: ["</s>"] },
    });
    const plain = await ollama.chat({ model: "tiny", messages: [question], options: { temperature: 0, num_predict: 5 } });
    expect(viaPreset.prompt_eval_count).toBe(spelledOut.prompt_eval_count);
    expect(viaPreset.prompt_eval_count).toBeGreaterThan(plain.prompt_eval_count);
    expect(viaPreset.message.content).toBe(spelledOut.message.content);
    expect(viaPreset.eval_count).toBe(spelledOut.eval_count);
    expect(viaPreset.eval_count).toBeLessThanOrEqual(5);

    // OpenAI's route resolves models the same way.
    const openai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "unused" });
    const r = await openai.chat.completions.create({ model: "terse", messages: [question as { role: "user"; content: string }] });
    expect(r.usage?.prompt_tokens).toBe(spelledOut.prompt_eval_count);
    expect(r.choices[0].message.content).toBe(spelledOut.message.content);

    // What a request sets wins: its own system prompt replaces the preset's, its options override.
    const own = await ollama.chat({ model: "terse", messages: [{ role: "system", content: "Be brief." }, question], options: { num_predict: 2 } });
    const ownSpelled = await ollama.chat({
      model: "tiny", messages: [{ role: "system", content: "Be brief." }, ...OPENING, question], options: { temperature: 0, num_predict: 2 },
    });
    expect(own.eval_count).toBeLessThanOrEqual(2);
    expect(own.prompt_eval_count).toBe(ownSpelled.prompt_eval_count);
    expect(own.message.content).toBe(ownSpelled.message.content);

    // /api/generate puts the system prompt before the prompt, as Ollama does.
    const g = await ollama.generate({ model: "terse", prompt: "What is a GGUF file?" });
    expect(g.prompt_eval_count).toBe(spelledOut.prompt_eval_count);
  }, 60_000);

  test("a model made from a preset model keeps what it does not change; copies keep it all", async () => {
    await ollama.create({ model: "terser", from: "terse", parameters: { num_predict: 3 } as never, stream: false });
    const m = await s.app.models.get("terser");
    expect(m.preset).toEqual({ system: SYSTEM, messages: OPENING, parameters: { temperature: 0, num_predict: 3, stop: ["</s>"] } });
    expect(m.path).toBe((await s.app.models.get("tiny")).path); // the weights are shared, not copied
    await ollama.copy({ source: "terser", destination: "terser-2" });
    expect((await s.app.models.get("terser-2")).preset).toEqual(m.preset);
    const listed = (await s.app.gateway.list()).find((x) => x.name === "terser");
    expect(listed?.defaults).toEqual({ system: SYSTEM, temperature: 0, maxTokens: 3 });
    // Without a preset nothing changes: plain weights stay plain.
    await ollama.create({ model: "tiny-2", from: "tiny", stream: false });
    expect((await s.app.models.get("tiny-2")).preset).toBeNull();
  });

  test("the Modelfile's text, as older clients send it", async () => {
    const res = await post("/api/create", {
      model: "from-text", stream: false,
      modelfile: 'FROM tiny\n# comment\nsystem """Two\nlines"""\nPARAMETER temperature 0.3\nPARAMETER stop <a>\nPARAMETER stop "<b>"\nMESSAGE user hi\n',
    });
    expect(res.status).toBe(200);
    expect((await s.app.models.get("from-text")).preset).toEqual({
      system: "Two\nlines", parameters: { temperature: 0.3, stop: ["<a>", "<b>"] }, messages: [{ role: "user", content: "hi" }],
    });
    const fromFile = await post("/api/create", { model: "x", modelfile: "FROM ./model.gguf\n" });
    expect(fromFile.status).toBe(400);
    expect((await fromFile.json()).error).toMatch(/POST \/api\/blobs/);
    const unknown = await post("/api/create", { model: "x", modelfile: "FROM tiny\nSYSTEM hi\nBOGUS 1\n" });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error).toMatch(/line 3: unknown command "BOGUS"/);
  });

  test("what cannot be honoured is refused, and nothing is registered", async () => {
    const cases: [object, number, RegExp][] = [
      [{ parameters: { mirostat: 2 } }, 400, /"mirostat" is not supported/],
      [{ parameters: { temperature: "hot" } }, 400, /temperature/],
      [{ parameters: { num_ctx: -1 } }, 400, /num_ctx/],
      [{ messages: [{ role: "tool", content: "x" }] }, 400, /messages\[0\]\.role/],
      [{ system: "be\u0000brief" }, 400, /NUL character/], // jsonb cannot store it: was a 500
      [{ parameters: { stop: ["a\u0000"] } }, 400, /NUL character/],
      [{ template: "{{ .Prompt }}" }, 400, /templates are not supported/],
      [{ adapters: { "lora.gguf": "sha256:00" } }, 400, /"sha256:00" is not a digest/],
      [{ adapters: { "lora.gguf": `sha256:${"0".repeat(64)}` } }, 400, /upload the adapter first/],
      [{ from: "nope" }, 404, /not found/],
    ];
    for (const [extra, status, message] of cases) {
      const res = await post("/api/create", { model: "refused", from: "tiny", stream: false, ...extra });
      expect(res.status, JSON.stringify(extra)).toBe(status);
      expect((await res.json()).error).toMatch(message);
    }
    expect(await s.app.models.find("refused")).toBeUndefined();
    // The model's own template, sent back (as a Modelfile from /api/show carries it), is fine.
    const own = (await s.app.models.get("tiny")).chatTemplate;
    expect((await post("/api/create", { model: "same-template", from: "tiny", template: own, stream: false })).status).toBe(200);
  });
});
