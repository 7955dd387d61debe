import { mkdtempSync, readdirSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { quantizeModel } from "../../src/quantize/quantize.ts";
import { JobsRepo } from "../../src/store/repos/jobs.ts";
import { testModel } from "../helpers/models.ts";
import { generate, wideModel } from "./helpers.ts";

let app: App;
beforeAll(async () => {
  app = await openApp({ home: mkdtempSync(join(tmpdir(), "fh-quant-")) });
  await app.models.register(await wideModel(), { name: "wide" });
});
afterAll(async () => { await app?.close(); });

describe("quantize", () => {
  test.each(["Q8_0", "Q4_K_M", "Q4_0", "Q2_K"])("%s: a smaller file that loads and generates, registered with the source as parent", async (to) => {
    const progress: number[] = [];
    const r = await quantizeModel(app, "wide", { to, threads: 1, onProgress: (p) => progress.push(p.tensorsDone) });
    expect(r.model).toMatchObject({ name: `wide:${to.toLowerCase()}`, quantization: to, source: "quantize", parentModelId: r.source.id, sourceRef: `wide → ${to}` });
    expect(statSync(r.model.path).size).toBe(r.outputBytes);
    expect(r.outputBytes).toBeLessThan(r.sourceBytes / 3);
    expect(r.fallbacks).toBe(0);
    expect(progress.at(-1)).toBe(r.tensors);
    expect(r.tensors).toBe(21);
    expect(await generate(r.model.path)).toHaveLength(8);
    const job = (await new JobsRepo(app.db).list("quantize")).find((j) => (j.result as any)?.model === r.model.name);
    expect(job).toMatchObject({ status: "succeeded", progress: 1 });
  });

  test("sizes fall with the bits: Q8_0 > Q4_K_M > Q4_0 > Q2_K", async () => {
    const size = async (t: string) => (await app.models.get(`wide:${t}`)).sizeBytes!;
    expect(await size("q8_0")).toBeGreaterThan(await size("q4_k_m"));
    expect(await size("q4_k_m")).toBeGreaterThan(await size("q4_0"));
    expect(await size("q4_0")).toBeGreaterThan(await size("q2_k"));
  });

  test("rows that a k-quant block does not divide fall back to another type, and the model still works", async () => {
    await app.models.register(await testModel(), { name: "tiny" });
    const r = await quantizeModel(app, "tiny", { to: "Q4_K_M", threads: 1 });
    expect(r.fallbacks).toBe(15); // every 64/128-wide matrix; llama.cpp uses q5_0/q8_0 for them
    expect(await generate(r.model.path)).toHaveLength(8);
  });

  test("a Mixture-of-Experts model quantizes and keeps its experts", async () => {
    await app.models.register(await wideModel("moe"), { name: "moe" });
    const r = await quantizeModel(app, "moe", { to: "Q4_K_M", threads: 1, name: "moe-small" });
    expect(r.model).toMatchObject({ name: "moe-small", expertCount: 4, expertUsedCount: 2, quantization: "Q4_K_M" });
    expect(await generate(r.model.path)).toHaveLength(8);
  });

  test("options: --leave-output keeps output.weight at F32, so the file is bigger", async () => {
    const plain = await app.models.get("wide:q4_0");
    const r = await quantizeModel(app, "wide", { to: "Q4_0", threads: 1, leaveOutput: true, name: "wide:q4_0-lo" });
    expect(r.outputBytes).toBeGreaterThan(plain.sizeBytes!);
    const t = await quantizeModel(app, "wide", { to: "Q4_0", threads: 1, outputType: "q8_0", tokenEmbeddingType: "q8_0", name: "wide:q4_0-o8" });
    expect(t.outputBytes).toBeGreaterThan(plain.sizeBytes!);
    expect(t.outputBytes).toBeLessThan(r.outputBytes);
  });

  test("requantizing needs the flag", async () => {
    await expect(quantizeModel(app, "wide:q8_0", { to: "Q4_0" })).rejects.toMatchObject({
      code: "invalid_request", message: expect.stringMatching(/already quantized \(Q8_0\).*--allow-requantize/),
    });
    const r = await quantizeModel(app, "wide:q8_0", { to: "Q4_0", allowRequantize: true, threads: 1, name: "wide:q4_0-from-q8" });
    expect(r.model).toMatchObject({ quantization: "Q4_0", parentModelId: r.source.id });
    expect(readdirSync(app.paths.downloads)).toEqual([]);
  });
});
