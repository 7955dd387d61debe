import { expect, it } from "vitest";
import { FreeholdError } from "../../src/errors.ts";
import { ChatRepo } from "../../src/chat/repo.ts";
import { JobsRepo } from "../../src/store/repos/jobs.ts";
import { ModelsRepo } from "../../src/store/repos/models.ts";
import { SettingsRepo } from "../../src/store/repos/settings.ts";
import { describeBackends } from "./backends.ts";

const codeOf = (p: Promise<unknown>) => p.then(() => "resolved", (e: unknown) => (e instanceof FreeholdError ? e.code : e));

describeBackends("store repos", (ctx) => {
  it("inserts and reads a model with bigint and jsonb fields intact", async () => {
    const models = new ModelsRepo(ctx.db);
    const metadata = { "general.name": "tiny", tags: ["a", "b"], nested: { layers: 2 } };
    const rec = await models.insert({
      name: "tiny-q4", path: "/models/tiny-q4.gguf", source: "quantize", sourceRef: "hf:owner/repo:tiny.gguf",
      sizeBytes: 5_000_000_000, parameterCount: 8_000_000_000, contextLength: 4096, expertCount: 8,
      expertUsedCount: 2, metadata,
    });
    expect(rec).toMatchObject({ name: "tiny-q4", sizeBytes: 5_000_000_000, parameterCount: 8_000_000_000, metadata });
    expect(rec.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(rec.createdAt).toBeInstanceOf(Date);
    expect(rec.sha256).toBeNull();
    expect(await models.getByName("tiny-q4")).toEqual(rec);
    expect(await models.getById(rec.id)).toEqual(rec);
    expect(await models.getById("not-a-uuid")).toBeUndefined();
    expect(await models.getByName("missing")).toBeUndefined();
  });

  it("defaults metadata to {} and links a parent model", async () => {
    const models = new ModelsRepo(ctx.db);
    const parent = await models.insert({ name: "base", path: "/m/base.gguf", source: "import" });
    const child = await models.insert({ name: "base-q8", path: "/m/q8.gguf", source: "quantize", parentModelId: parent.id });
    expect(parent.metadata).toEqual({});
    const chosen = "7d4f8a52-3c1e-4b6a-9f0e-2a5b8c9d1e3f";
    expect((await models.insert({ id: chosen, name: "chosen-id", path: `/m/${chosen}.gguf`, source: "import" })).id).toBe(chosen);
    expect(child.parentModelId).toBe(parent.id);
    expect(await models.remove("base")).toBe(true);
    expect((await models.getByName("base-q8"))?.parentModelId).toBeNull(); // ON DELETE SET NULL
  });

  it("reports a duplicate name as a conflict, on insert and on rename", async () => {
    const models = new ModelsRepo(ctx.db);
    await models.insert({ name: "dup", path: "/m/dup.gguf", source: "import" });
    await models.insert({ name: "other", path: "/m/other.gguf", source: "import" });
    expect(await codeOf(models.insert({ name: "dup", path: "/m/x.gguf", source: "pull" }))).toBe("conflict");
    expect(await codeOf(models.update("other", { name: "dup" }))).toBe("conflict");
  });

  it("updates, lists by name and removes models", async () => {
    const models = new ModelsRepo(ctx.db);
    await models.insert({ name: "zeta", path: "/m/z.gguf", source: "generated" });
    await models.insert({ name: "alpha", path: "/m/a.gguf", source: "generated" });
    const updated = await models.update("zeta", { description: "last", metadata: { k: [1] }, sizeBytes: 6_000_000_000 });
    expect(updated).toMatchObject({ name: "zeta", description: "last", metadata: { k: [1] }, sizeBytes: 6_000_000_000 });
    expect(await models.update("zeta", {})).toEqual(updated);
    expect((await models.update("zeta", { name: "omega" })).name).toBe("omega");
    const names = (await models.list()).map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names).toEqual(expect.arrayContaining(["alpha", "omega"]));
    expect(await codeOf(models.update("zeta", { description: "x" }))).toBe("not_found");
    expect(await models.remove("omega")).toBe(true);
    expect(await models.remove("omega")).toBe(false);
  });

  it("creates, updates and lists jobs", async () => {
    const jobs = new JobsRepo(ctx.db);
    const job = await jobs.create("quantize", { model: "tiny", type: "Q4_0" });
    expect(job).toMatchObject({ kind: "quantize", status: "queued", progress: 0, params: { model: "tiny", type: "Q4_0" }, result: null });
    expect(job.updatedAt).toBeInstanceOf(Date);
    await jobs.create("pull", {});
    const done = await jobs.update(job.id, { status: "succeeded", progress: 1, result: { path: "/m/t.gguf", bytes: 5_000_000_000 } });
    expect(done).toMatchObject({ status: "succeeded", progress: 1, result: { path: "/m/t.gguf", bytes: 5_000_000_000 } });
    expect(done.updatedAt.getTime()).toBeGreaterThanOrEqual(job.updatedAt.getTime());
    expect(await jobs.get(job.id)).toEqual(done);
    expect(await jobs.get("nope")).toBeUndefined();
    expect((await jobs.list("quantize")).map((j) => j.id)).toContain(job.id);
    expect((await jobs.list("pull")).every((j) => j.kind === "pull")).toBe(true);
    expect((await jobs.list()).length).toBeGreaterThanOrEqual(2);
    expect(await codeOf(jobs.update("00000000-0000-0000-0000-000000000000", { progress: 0.5 }))).toBe("not_found");
  });

  it("rolls back repo writes made inside a failed transaction", async () => {
    await expect(
      ctx.db.transaction(async (tx) => {
        await new ModelsRepo(tx).insert({ name: "ghost", path: "/m/g.gguf", source: "import" });
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await new ModelsRepo(ctx.db).getByName("ghost")).toBeUndefined();
  });

  it("stores model text containing NUL (PostgreSQL rejects it) with U+FFFD in its place", async () => {
    const user = await ctx.db.one<{ id: string }>("INSERT INTO users (email, display_name, password_hash, role) VALUES ('nul@example.org', 'n', 'x', 'member') RETURNING id");
    const chat = new ChatRepo(ctx.db);
    const c = await chat.create({ ownerId: user!.id, title: "t", model: "tiny" });
    const m = await chat.addMessage({ conversationId: c.id, parentId: null, role: "assistant", content: "a\u0000b", reasoning: "\u0000", model: "tiny", params: {} });
    expect(m.content).toBe("a\uFFFDb");
    expect(m.reasoning).toBe("\uFFFD");
  });

  it("keeps settings as JSON under a key, overwriting on set", async () => {
    const settings = new SettingsRepo(ctx.db);
    expect(await settings.get("test.absent")).toBeUndefined();
    await settings.set("test.flag", true);
    await settings.set("test.list", [1, "two"]);
    await settings.set("test.flag", { on: false });
    expect(await settings.get("test.flag")).toEqual({ on: false });
    expect(await settings.get("test.list")).toEqual([1, "two"]);
  });
});
