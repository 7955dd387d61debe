import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";
import { wideModel } from "../../quantize/helpers.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ models: {} });
  await s.app.models.register(await wideModel(), { name: "wide:f32", source: "generated" });
});
afterAll(async () => { await s?.close(); });

describe("POST /api/create (quantize)", () => {
  test("streams progress, registers the quantized model with its parent, and it generates", async () => {
    const ollama = new Ollama({ host: s.url });
    const statuses: { status: string; completed?: number; total?: number }[] = [];
    const create = { model: "wide:q8_0", from: "wide:f32", quantize: "q8_0", system: "Be brief.", parameters: { num_predict: 3 } as never, stream: true as const };
    for await (const p of await ollama.create(create)) statuses.push(p);
    expect(statuses.at(-1)?.status).toBe("success");
    expect(statuses.some((p) => /quantizing wide:f32 to Q8_0/.test(p.status) && (p.total ?? 0) > 0)).toBe(true);
    const m = await s.app.models.get("wide:q8_0");
    expect(m.quantization).toBe("Q8_0");
    expect(m.parentModelId).toBe((await s.app.models.get("wide:f32")).id);
    expect(m.preset).toEqual({ system: "Be brief.", parameters: { num_predict: 3 } }); // the Modelfile's, on the new weights
    const r = await ollama.generate({ model: "wide:q8_0", prompt: "hi", stream: false, options: { num_predict: 3 } });
    expect(r.eval_count).toBeGreaterThan(0);
  }, 90_000);

  test("bad input: unknown type, unknown source, taken name, a Modelfile FROM a client's file", async () => {
    const post = (body: object) => fetch(`${s.url}/api/create`, { method: "POST", body: JSON.stringify(body) });
    const unknownType = await post({ model: "x", from: "wide:f32", quantize: "q9_z" });
    expect(unknownType.status).toBe(400);
    expect((await unknownType.json()).error).toMatch(/Q4_K_M/);
    expect((await post({ model: "x", from: "nope", quantize: "q8_0" })).status).toBe(404);
    expect((await post({ model: "wide:q8_0", from: "wide:f32", quantize: "q8_0" })).status).toBe(409);
    expect((await post({ model: "x", quantize: "q8_0", modelfile: "FROM ./wide.gguf" })).status).toBe(400);
    expect(await s.app.models.find("x")).toBeUndefined();
  });
});
