import { copyFileSync, existsSync, mkdtempSync, readdirSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { makeAdapter } from "../../src/models/gguf/makeAdapter.ts";
import { makeModel } from "../../src/models/gguf/makeModel.ts";
import { inspectAdapter } from "../../src/models/inspect.ts";
import { testAdapter, testModel } from "../helpers/models.ts";

/** LoRA adapter files: checked against their base model as llama.cpp would, kept once, removed with the last model using them. */
let app: App;
const scratch = mkdtempSync(join(tmpdir(), "fh-adapters-"));
let tiny: string;

beforeAll(async () => {
  app = await openApp({ home: mkdtempSync(join(tmpdir(), "fh-home-")) });
  tiny = await testModel();
});
afterAll(async () => { await app?.close(); });

describe("LoRA adapter files", () => {
  test("a generated adapter is what llama.cpp loads: general.type adapter, lora pairs fitting the base", async () => {
    const facts = await inspectAdapter(await testAdapter({}, { rank: 4, alpha: 8 }), tiny);
    expect(facts).toMatchObject({ architecture: "llama", rank: 4, alpha: 8, tensors: 4 }); // attn_q and attn_v of 2 layers
  });

  test.each([
    ["a text file", async () => { const p = join(scratch, "x.gguf"); writeFileSync(p, "not a gguf"); return p; }, /not a GGUF file/],
    ["a model, not an adapter", async () => testModel({ shape: "tiny-moe" }), /not a LoRA adapter/],
    ["an adapter for another architecture", async () => testAdapter({ shape: "tiny-rerank" }), /for the qwen3 architecture, but its base model is llama/],
    ["an adapter of weights the base lacks", async () => testAdapter({}, { targets: ["ffn_down"] }), /updates blk\.0\.ffn_down\.weight, which its base model does not have/],
    ["an adapter for a model of another width", async () => {
      const other = await makeModel({ path: join(scratch, "narrow.gguf"), shape: { embedding: 32, layers: 2, heads: 4, kvHeads: 2, feedForward: 64, vocab: 512, contextLength: 512 } });
      return (await makeAdapter({ base: other.path, path: join(scratch, "narrow-lora.gguf") })).path;
    }, /does not fit the base model's \[64,64\]/],
    ["a truncated adapter", async () => {
      const p = join(scratch, "cut-lora.gguf"); copyFileSync(await testAdapter(), p); truncateSync(p, statSync(p).size - 100); return p;
    }, /truncated/],
  ])("refused with the reason: %s", async (_, file, reason) => {
    // Against tiny-moe where the case is about the base lacking dense FFN weights; else against tiny.
    const base = String(reason).includes("ffn_down") ? await testModel({ shape: "tiny-moe" }) : tiny;
    await expect(inspectAdapter(await file(), base)).rejects.toMatchObject({ code: "invalid_request", message: expect.stringMatching(reason) });
  });

  test("importing an adapter as a model is refused, pointing at ADAPTER", async () => {
    await expect(app.models.register(await testAdapter(), { name: "oops" })).rejects.toMatchObject({
      code: "invalid_request", message: expect.stringContaining("is a LoRA adapter, not a model"),
    });
    expect(await app.models.find("oops")).toBeUndefined();
  });

  test("kept once under its hash, shared by models, removed with the last of them; unused ones swept when old", async () => {
    const baseModel = await app.models.register(tiny, { name: "base" });
    const a = await app.models.addAdapter(await testAdapter(), baseModel.path, { name: "style.gguf" });
    expect(a.name).toBe("style.gguf");
    const adapters = [{ name: a.name, sha256: a.sha256 }];
    await app.models.copy("base", "tuned", { adapters });
    await app.models.copy("base", "tuned-too", { adapters });
    // The same file added again is the same entry.
    expect((await app.models.addAdapter(await testAdapter(), baseModel.path)).sha256).toBe(a.sha256);
    expect(readdirSync(app.paths.adapters)).toEqual([`${a.sha256}.gguf`]);
    expect(await app.models.hasAdapter(a.sha256)).toBe(true);

    await app.models.remove("tuned");
    expect(existsSync(app.models.adapterPath(a.sha256))).toBe(true); // tuned-too still uses it
    await app.models.remove("tuned-too");
    expect(existsSync(app.models.adapterPath(a.sha256))).toBe(false);
    expect(await app.models.hasAdapter(a.sha256)).toBe(false);

    // A crash between keeping an adapter and making its model leaves an orphan: swept once it is old.
    const orphan = await app.models.addAdapter(await testAdapter({}, { seed: 9 }), baseModel.path);
    await app.models.sweepOrphans();
    expect(existsSync(app.models.adapterPath(orphan.sha256))).toBe(true); // may still be on its way into a model
    const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
    utimesSync(app.models.adapterPath(orphan.sha256), old, old);
    await app.models.sweepOrphans();
    expect(existsSync(app.models.adapterPath(orphan.sha256))).toBe(false);
  });
});
