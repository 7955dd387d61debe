import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { testModel } from "../helpers/models.ts";

let app: App;
const scratch = mkdtempSync(join(tmpdir(), "fh-store-"));
const modelFiles = () => readdirSync(app.paths.models);

beforeAll(async () => { app = await openApp({ home: mkdtempSync(join(tmpdir(), "fh-home-")) }); });
afterAll(async () => { await app?.close(); });

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
  ])("import of a bad file (%s) fails clearly and registers nothing", async (_label, make, message) => {
    const before = modelFiles().length;
    const path = await make();
    await expect(app.models.register(path, { name: "bad" })).rejects.toMatchObject({ code: "invalid_request", message: expect.stringMatching(message) });
    expect(await app.models.find("bad")).toBeUndefined();
    expect(modelFiles().length).toBe(before);
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
});
