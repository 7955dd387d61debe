import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { pullModel } from "../../src/models/pullModel.ts";
import { startFakeHub, type FakeHub } from "../helpers/fakeHub.ts";
import { testModel } from "../helpers/models.ts";
import { craftedModel } from "./crafted.ts";

let hub: FakeHub;
let app: App;
let home: string;

beforeAll(async () => {
  const dense = readFileSync(await testModel());
  const moe = readFileSync(await testModel({ shape: "tiny-moe" }));
  home = mkdtempSync(join(tmpdir(), "fh-pull-"));
  const unknownArch = readFileSync(await craftedModel(mkdtempSync(join(tmpdir(), "fh-odd-")), { architecture: "llamx" }));
  hub = await startFakeHub({
    files: {
      "acme/tiny-GGUF": [{ path: "tiny-Q4_0.gguf", content: dense }, { path: "tiny-F32.gguf", content: moe }],
      "acme/odd-GGUF": [{ path: "odd-F32.gguf", content: unknownArch }],
    },
  });
  app = await openApp({ home });
});
afterAll(async () => { await app?.close(); await hub?.close(); });

describe("pull into the model store", () => {
  test("pulls, registers under owner/repo:quant, and a second pull downloads nothing", async () => {
    const m = await pullModel(app, "hf:acme/tiny-GGUF:Q4_0", { endpoint: hub.endpoint });
    expect(m).toMatchObject({ name: "acme/tiny-gguf:q4_0", source: "pull", architecture: "llama" });
    const bytes = hub.cdnBytes();
    expect(bytes).toBeGreaterThan(0);
    const again = await pullModel(app, "hf:acme/tiny-GGUF:Q4_0", { endpoint: hub.endpoint });
    expect(again.id).toBe(m.id);
    expect(hub.cdnBytes()).toBe(bytes);
  });

  test("a name taken by other weights is refused before downloading", async () => {
    const bytes = hub.cdnBytes();
    await expect(pullModel(app, "hf:acme/tiny-GGUF:F32", { endpoint: hub.endpoint, name: "acme/tiny-gguf:q4_0" }))
      .rejects.toMatchObject({ code: "conflict" });
    expect(hub.cdnBytes()).toBe(bytes);
  });

  test("a verified download llama.cpp cannot load is refused and deleted", async () => {
    const before = (await app.models.list()).length;
    await expect(pullModel(app, "hf:acme/odd-GGUF", { endpoint: hub.endpoint }))
      .rejects.toMatchObject({ code: "invalid_request", message: expect.stringMatching(/architecture "llamx"/) });
    expect(readdirSync(app.paths.downloads)).toEqual([]);
    expect((await app.models.list()).length).toBe(before);
  });

  test("CLI: freehold pull prints the model and an unknown repo is a clear error", async () => {
    await app.close();
    const run = (...args: string[]) => promisify(execFile)(process.execPath, [resolve("bin/freehold.js"), "--home", home, ...args],
      { env: { ...process.env, HF_ENDPOINT: hub.endpoint }, timeout: 60_000 }).then((r) => ({ code: 0, ...r }), (e) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }));
    const ok = await run("pull", "hf:acme/tiny-GGUF:F32");
    expect(ok.stdout).toMatch(/pulled acme\/tiny-gguf:f32 \(F32/);
    const missing = await run("pull", "hf:acme/nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: .*not found/);
    app = await openApp({ home });
    expect((await app.models.list()).map((m) => m.name)).toEqual(["acme/tiny-gguf:f32", "acme/tiny-gguf:q4_0"]);
  }, 90_000);
});
