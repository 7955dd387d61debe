/**
 * A fresh PGlite folder costs an initdb (2.5 s idle, 10 s+ on a busy 2-core box); reopening
 * one costs 0.4 s. So tests copy a migrated template built once by `openDb` and cached in the
 * temp folder, keyed by the PGlite version and the store's source, so any change rebuilds it.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { openDb } from "../../src/store/db.ts";

const storeDir = fileURLToPath(new URL("../../src/store/", import.meta.url));
const PREFIX = "freehold-pglite-template-";

function key(): string {
  const hash = createHash("sha256");
  hash.update(readFileSync(new URL("../../node_modules/@electric-sql/pglite/package.json", import.meta.url)));
  for (const file of readdirSync(storeDir, { recursive: true, encoding: "utf8" }).sort()) {
    if (/\.(ts|sql)$/.test(file)) hash.update(file).update(readFileSync(join(storeDir, file)));
  }
  return hash.digest("hex").slice(0, 16);
}

let template: Promise<string> | undefined;

async function build(): Promise<string> {
  const dir = join(tmpdir(), PREFIX + key());
  if (existsSync(dir)) return dir;
  const work = mkdtempSync(join(tmpdir(), "freehold-pglite-build-"));
  try {
    const db = await openDb({ dataDir: join(work, "db") });
    await db.close();
    // Atomic publish; if another test process won the race, its copy is as good as ours.
    try {
      renameSync(join(work, "db"), dir);
    } catch (err) {
      if (!existsSync(dir)) throw err;
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const old of readdirSync(tmpdir()).filter((f) => f.startsWith(PREFIX) && join(tmpdir(), f) !== dir))
    rmSync(join(tmpdir(), old), { recursive: true, force: true }); // templates of older code
  return dir;
}

/** Fills `dataDir` (which must not exist yet) with a migrated, closed PGlite database. */
export async function copyPgliteTemplate(dataDir: string): Promise<void> {
  template ??= build();
  cpSync(await template, dataDir, { recursive: true });
}
