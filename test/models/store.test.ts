import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { testModel } from "../helpers/models.ts";
import { craftedModel } from "./crafted.ts";

let app: App;
const scratch = mkdtempSync(join(tmpdir(), "fh-store-"));
const modelFiles = () => readdirSync(app.paths.models);
// /dev/shm is tmpfs on Linux: with the temp folder on disk, a real cross-filesystem pair.
const shm = existsSync("/dev/shm") ? mkdtempSync("/dev/shm/fh-xdev-") : undefined;

beforeAll(async () => { app = await openApp({ home: mkdtempSync(join(tmpdir(), "fh-home-")) }); });
afterAll(async () => { await app?.close(); if (shm) rmSync(shm, { recursive: true, force: true }); });

describe("model store", () => {
  test("import records metadata, copies the file and hashes it", async () => {
    const m = await app.models.register(await testModel({ shape: "tiny-moe" }), { name: "moe" });
    expect(m).toMatchObject({ name: "moe", architecture: "llama", quantization: "F32", expertCount: 4, expertUsedCount: 2, contextLength: 2048 });
    expect(m.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.chatTemplate).toContain("<|im_start|>");
    expect(m.path.startsWith(app.paths.models)).toBe(true);
    expect(statSync(m.path).size).toBe(m.sizeBytes);
    expect((m.metadata as any).activeParameterCount).toBeLessThan(m.parameterCount!);
    expect((await app.models.list()).map((x) => x.name)).toEqual(["moe"]);
  });

  test("a name that is taken is refused and nothing is left behind", async () => {
    const before = modelFiles().length;
    await expect(app.models.register(await testModel(), { name: "moe" })).rejects.toMatchObject({ code: "conflict" });
    expect(modelFiles().length).toBe(before);
  });

  test.each([
    ["not a GGUF", () => { const p = join(scratch, "text.gguf"); writeFileSync(p, "hello, I am not a model"); return p; }, /not a valid GGUF/],
    ["truncated", async () => {
      const p = join(scratch, "cut.gguf"); copyFileSync(await testModel(), p); truncateSync(p, Math.floor(statSync(p).size * 0.6)); return p;
    }, /truncated/],
    ["cut inside the header", async () => {
      const p = join(scratch, "head.gguf"); writeFileSync(p, readFileSync(await testModel()).subarray(0, 2000)); return p;
    }, /not a valid GGUF|truncated/],
    ["missing", () => join(scratch, "nope.gguf"), /no such file/],
    ["GGUF version 9", () => craftedModel(scratch, { version: 9 }), /is GGUF version 9, which llama\.cpp cannot read/],
    ["GGUF version 1", () => craftedModel(scratch, { version: 1 }), /is GGUF version 1,/],
    ["unknown architecture", () => craftedModel(scratch, { architecture: "llamx" }), /architecture "llamx", which this llama\.cpp build does not support/],
  ])("import of a bad file (%s) fails clearly and registers nothing", async (_label, make, message) => {
    const before = modelFiles().length;
    const path = await make();
    await expect(app.models.register(path, { name: "bad" })).rejects.toMatchObject({ code: "invalid_request", message: expect.stringMatching(message) });
    expect(await app.models.find("bad")).toBeUndefined();
    expect(modelFiles().length).toBe(before);
  });

  test.each<[string, { version?: number; architecture?: string }, string]>([
    ["GGUF version 2", { version: 2 }, "llama"],
    ["an architecture llama.cpp knows beyond node-llama-cpp's list", { architecture: "maple" }, "maple"],
  ])("%s is accepted", async (_label, edit, architecture) => {
    const m = await app.models.register(await craftedModel(scratch, edit), { name: `ok-${architecture}-${edit.version ?? 3}` });
    expect(m.architecture).toBe(architecture);
    await app.models.remove(m.name);
  });

  test.skipIf(!shm || statSync(shm).dev === statSync(tmpdir()).dev)("a generated file on another filesystem is moved in by copy", async () => {
    const source = join(shm!, "made.gguf");
    copyFileSync(await testModel(), source);
    const sha256 = createHash("sha256").update(readFileSync(source)).digest("hex");
    const m = await app.models.register(source, { name: "from-tmpfs", adopt: true });
    expect(m.sha256).toBe(sha256);
    expect(createHash("sha256").update(readFileSync(m.path)).digest("hex")).toBe(sha256);
    expect(existsSync(source)).toBe(false);
    expect(modelFiles().filter((f) => !f.endsWith(".gguf"))).toEqual([]); // no temporary copy left
    await app.models.remove("from-tmpfs");
  });

  test.each(["../evil", "/etc/passwd", "a/../../b", "", "x".repeat(200), "bad name", "evil\u0000"])("unsafe name %j is refused", async (name) => {
    await expect(app.models.register(await testModel(), { name })).rejects.toMatchObject({ code: "invalid_request" });
  });

  test("copy shares the file; rm removes the file only with its last name", async () => {
    const a = await app.models.register(await testModel(), { name: "org/dense:f32" });
    await app.models.copy("org/dense:f32", "alias");
    await app.models.remove("org/dense:f32");
    expect(existsSync(a.path)).toBe(true);
    await app.models.remove("alias");
    expect(existsSync(a.path)).toBe(false);
    await expect(app.models.remove("alias")).rejects.toMatchObject({ code: "not_found" });
  });

  test("orphaned files from a crash between copy and insert are swept at start", async () => {
    const orphan = join(app.paths.models, "00000000-dead-beef-0000-000000000000.gguf");
    writeFileSync(orphan, "partial");
    expect(await app.models.sweepOrphans()).toContain("00000000-dead-beef-0000-000000000000.gguf");
    expect(existsSync(orphan)).toBe(false);
    expect(await app.models.find("moe")).toBeDefined();
  });

  test("the sweep keeps resumable pulls and recent files in downloads/, and deletes what was never adopted", async () => {
    const sha = "ab".repeat(32);
    const file = (name: string, hoursOld: number) => {
      const p = join(app.paths.downloads, name);
      writeFileSync(p, "x");
      const t = new Date(Date.now() - hoursOld * 3600_000);
      utimesSync(p, t, t);
      return name;
    };
    const kept = [file(`${sha}.partial`, 48), file(`${sha}.partial.lock`, 48), file("acme__tiny-GGUF__new.gguf", 0)];
    const stale = [file("acme__tiny-GGUF__refused.gguf", 2), file("demo-random-tiny.gguf.tmp-4242", 2), file("quantize-4242-x.gguf.partial", 2)];
    expect((await app.models.sweepOrphans()).sort()).toEqual(stale.sort());
    expect(readdirSync(app.paths.downloads).sort()).toEqual(kept.sort());
  });
});
