/**
 * PGlite's memory settings (see src/store/pglite.ts and the memory section of BENCHMARKS.md):
 * the small buffer pool is in force, and a new folder's cluster is made in a child process,
 * moved in so that a start killed half-way is redone rather than resumed.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { openDb } from "../../src/store/db.ts";
import { ModelsRepo } from "../../src/store/repos/models.ts";
import { copyPgliteTemplate } from "./pgliteTemplate.ts";

const dir = mkdtempSync(join(tmpdir(), "freehold-pglite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("runs PGlite with the small buffer pool", async () => {
  const dataDir = join(dir, "template");
  await copyPgliteTemplate(dataDir);
  const db = await openDb({ dataDir });
  try {
    expect(await db.one("SHOW shared_buffers")).toEqual({ shared_buffers: "8MB" });
    expect(await db.one("SHOW synchronous_commit")).toEqual({ synchronous_commit: "on" });
  } finally {
    await db.close();
  }
});

it("creates a new folder's cluster, over the leftovers of a first start killed mid-way", async () => {
  const dataDir = join(dir, "fresh");
  // What an interrupted start can leave: a half-built cluster aside, some entries moved in,
  // but no PG_VERSION yet.
  mkdirSync(join(dataDir, ".initdb", "base"), { recursive: true });
  mkdirSync(join(dataDir, "global"), { recursive: true });
  writeFileSync(join(dataDir, "global", "pg_control"), "torn");
  const db = await openDb({ dataDir });
  try {
    expect(existsSync(join(dataDir, "PG_VERSION"))).toBe(true);
    expect(existsSync(join(dataDir, ".initdb"))).toBe(false);
    await new ModelsRepo(db).insert({ name: "m", path: "/m/m.gguf", source: "import", sizeBytes: 1 });
  } finally {
    await db.close();
  }
  const again = await openDb({ dataDir });
  try {
    expect(await new ModelsRepo(again).getByName("m")).toMatchObject({ name: "m" });
  } finally {
    await again.close();
  }
}, 120_000);
