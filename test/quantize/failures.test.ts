import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { quantizeModel } from "../../src/quantize/quantize.ts";
import { JobsRepo } from "../../src/store/repos/jobs.ts";
import { wideModel } from "./helpers.ts";

let app: App;
const files = () => ({ models: readdirSync(app.paths.models).length, downloads: readdirSync(app.paths.downloads) });
const names = async () => (await app.models.list()).map((m) => m.name);

beforeAll(async () => {
  app = await openApp({ home: mkdtempSync(join(tmpdir(), "fh-quant-fail-")) });
  await app.models.register(await wideModel(), { name: "wide" });
});
afterAll(async () => { await app?.close(); });

describe("quantize: interruption", () => {
  test("a job aborted mid-way registers nothing, leaves no partial, and re-running succeeds", async () => {
    const before = files();
    const abort = new AbortController();
    let seen = 0;
    const run = quantizeModel(app, "wide", {
      to: "Q4_K_M", threads: 1, signal: abort.signal,
      onProgress: (p) => { if (p.tensorsDone === 3) { seen = p.tensorsDone; abort.abort(); } },
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    expect(seen).toBe(3);
    expect(await names()).toEqual(["wide"]);
    expect(files()).toEqual(before);
    expect((await new JobsRepo(app.db).list("quantize"))[0]).toMatchObject({ status: "cancelled" });

    const again = await quantizeModel(app, "wide", { to: "Q4_K_M", threads: 1 });
    expect(again.model.name).toBe("wide:q4_k_m");
    expect(files().downloads).toEqual([]);
  });

  test("a crash's partial output is swept by the next run; a live process's partial is left alone", async () => {
    const dead = spawnSync(process.execPath, ["-e", ""]).pid!; // exited: its pid is free
    const stale = `quantize-${dead}-0b8f2a34-1c1d-4c9e-9a55-3f0e8c2b7d10.gguf.partial`;
    const live = `quantize-${process.pid}-7d7e6a11-2b2c-4d3e-8f4a-5b6c7d8e9f00.gguf.partial`;
    writeFileSync(join(app.paths.downloads, stale), "half a model");
    writeFileSync(join(app.paths.downloads, live), "someone else's job");
    await quantizeModel(app, "wide", { to: "Q8_0", threads: 1 });
    expect(files().downloads).toEqual([live]);
  });
});

describe("quantize: bad input gets clear errors and changes nothing", () => {
  test.each([
    ["unknown type", { to: "Q7_X" }, "invalid_request", /unknown quantization type "Q7_X"; valid types: .*Q4_K_M/],
    ["type that needs an importance matrix", { to: "IQ2_XXS" }, "invalid_request", /importance matrix/],
    ["source already quantized", { source: "wide:q8_0", to: "Q4_0" }, "invalid_request", /already quantized \(Q8_0\).*--allow-requantize/],
    ["output name taken", { to: "Q4_0", name: "wide" }, "conflict", /"wide" already exists/],
    ["default output name taken", { to: "Q8_0" }, "conflict", /"wide:q8_0" already exists/],
    ["bad name", { to: "Q4_0", name: "../evil" }, "invalid_request", /invalid model name/],
    ["unknown source", { source: "nope", to: "Q4_0" }, "not_found", /"nope" not found/],
    ["bad threads", { to: "Q4_0", name: "t", threads: -1 }, "invalid_request", /threads/],
    ["bad output tensor type", { to: "Q4_0", name: "t", outputType: "q9" }, "invalid_request", /unknown tensor type "q9"/],
    ["not enough disk", { to: "Q4_0", name: "t", statfs: async () => ({ bavail: 10, bsize: 4096 }) }, "insufficient_storage", /needs about \d+ MiB, 0 MiB free/],
  ] as const)("%s", async (_label, input, code, message) => {
    const before = { files: files(), names: await names() };
    const { source = "wide", ...opts } = input as { source?: string; to: string };
    await expect(quantizeModel(app, source, { threads: 1, ...opts })).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect({ files: files(), names: await names() }).toEqual(before);
  });
});
