import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { formatReport } from "../../src/quantize/formatReport.ts";
import { quantizeModel } from "../../src/quantize/quantize.ts";
import { reportAndStore, storedReport } from "../../src/quantize/reportJob.ts";
import { JobsRepo } from "../../src/store/repos/jobs.ts";
import { wideModel } from "./helpers.ts";

let app: App;
beforeAll(async () => {
  app = await openApp({ home: mkdtempSync(join(tmpdir(), "fh-quant-report-")) });
  await app.models.register(await wideModel(), { name: "wide" });
  for (const to of ["Q8_0", "Q4_0", "Q2_K"]) await quantizeModel(app, "wide", { to, threads: 1 });
});
afterAll(async () => { await app?.close(); });

describe("quantization report card", () => {
  test("a model against itself: KL divergence 0, top-1 agreement 100%, same perplexity", async () => {
    const r = await reportAndStore(app, "wide", { against: "wide", threads: 1 });
    expect(r.quality).toMatchObject({ meanKld: 0, p99Kld: 0, maxKld: 0, top1Agreement: 1, pplRatio: 1, rmsDeltaP: 0 });
    expect(r.quality.pplQuant).toBe(r.quality.pplBase);
    // llama-perplexity's chunking: 256-token chunks, the second half of each scored
    expect(r.reference).toMatchObject({ ctx: 256, scoredPerChunk: 127 });
    expect(r.quality.positions).toBe(r.reference.chunks * 127);
    expect(r.quality.positions).toBeGreaterThanOrEqual(100);
  });

  test("on the same source, Q8_0 loses less than Q4_0, which loses less than Q2_K", async () => {
    const card = async (t: string) => (await reportAndStore(app, `wide:${t}`, { threads: 1 })).quality;
    const [q8, q4, q2] = [await card("q8_0"), await card("q4_0"), await card("q2_k")];
    expect(q8.meanKld).toBeGreaterThan(0);
    expect(q8.meanKld).toBeLessThan(q4.meanKld);
    expect(q4.meanKld).toBeLessThan(q2.meanKld);
    expect(q8.p99Kld).toBeLessThan(q4.p99Kld);
    expect(q4.p99Kld).toBeLessThan(q2.p99Kld);
    expect(q8.top1Agreement).toBeGreaterThan(q4.top1Agreement);
    expect(q4.top1Agreement).toBeGreaterThan(q2.top1Agreement);
    // the same reference tokens are scored by both sides, so the base perplexity is shared
    expect(q8.pplBase).toBe(q2.pplBase);
  });

  test("the card is stored on the model and as a job, with size, bits per weight and speed of both", async () => {
    const m = await app.models.get("wide:q4_0");
    const r = storedReport(m)!;
    expect(r.source.name).toBe("wide");
    expect(r.model.sizeBytes).toBe(m.sizeBytes);
    expect(r.source.bitsPerWeight).toBeCloseTo(32, 1);
    expect(r.model.bitsPerWeight).toBeGreaterThan(4.5);
    expect(r.model.bitsPerWeight).toBeLessThan(5.5);
    for (const side of [r.model, r.source]) {
      expect(side.speed.promptTokensPerSecond).toBeGreaterThan(0);
      expect(side.speed.generationTokensPerSecond).toBeGreaterThan(0);
    }
    const jobs = await new JobsRepo(app.db).list("quantize-report");
    expect(jobs.filter((j) => j.status === "succeeded")).toHaveLength(4);
    const text = formatReport(r).join("\n");
    expect(text).toMatch(/KL divergence\s+mean 0\.\d+/);
    expect(text).toMatch(/top-1 agreement\s+\d+\.\d+%/);
    expect(text).toMatch(/perplexity .* \(ratio \d\.\d+\)/);
  });

  test("Mixture of Experts: the card states total and active parameters and what they mean for speed", async () => {
    await app.models.register(await wideModel("moe"), { name: "moe" });
    await quantizeModel(app, "moe", { to: "Q8_0", threads: 1 });
    const r = await reportAndStore(app, "moe:q8_0", { threads: 1 });
    expect(r.model.activeParameters).toBeLessThan(r.model.parameters);
    expect(r.model.bytesPerToken).toBeLessThan(r.model.sizeBytes);
    expect(formatReport(r).join("\n")).toMatch(/total, .* active[\s\S]*mixture of experts/);
  });

  test("a model with no recorded source needs --against", async () => {
    await expect(reportAndStore(app, "wide", { threads: 1 })).rejects.toMatchObject({ code: "invalid_request", message: expect.stringMatching(/--against/) });
  });
});
