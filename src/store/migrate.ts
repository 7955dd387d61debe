/**
 * Plain-SQL migrations, `NNN_name.sql` in ./migrations, applied in order at open. Each runs in
 * its own transaction with its `schema_migrations` row, so a failed one leaves nothing behind.
 * On PostgreSQL every step first takes a transaction-level advisory lock, so several nodes
 * starting at once apply each migration exactly once; the others wait, then see it done.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Db } from "./db.ts";

export const MIGRATIONS_DIR = fileURLToPath(new URL("./migrations/", import.meta.url));

/** Arbitrary constant ("Free" in ASCII) naming Freehold's migration lock. */
const LOCK_KEY = 0x46726565;

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => /^(\d+)_(.+)\.sql$/.exec(file))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ version: Number(m[1]), name: m[2], sql: readFileSync(`${dir}/${m[0]}`, "utf8") }))
    .sort((a, b) => a.version - b.version);
  const seen = new Set<number>();
  for (const m of migrations) {
    if (seen.has(m.version)) throw new Error(`two migrations share version ${m.version} in ${dir}`);
    seen.add(m.version);
  }
  return migrations;
}

async function lock(tx: Db): Promise<void> {
  if (tx.kind === "postgres") await tx.query("SELECT pg_advisory_xact_lock($1)", [LOCK_KEY]);
  // PGlite is one connection in one process (see lock.ts): nothing to race with.
}

/** Applies pending migrations; returns the versions applied by this call. */
export async function migrate(db: Db, migrations = loadMigrations()): Promise<number[]> {
  const done = await db.transaction(async (tx) => {
    await lock(tx);
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    integer PRIMARY KEY,
      name       text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const rows = await tx.query<{ version: number }>("SELECT version FROM schema_migrations");
    return new Set(rows.map((r) => r.version));
  });

  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.version)) continue;
    await db.transaction(async (tx) => {
      await lock(tx);
      // Another node may have applied it while we waited for the lock.
      if (await tx.one("SELECT 1 FROM schema_migrations WHERE version = $1", [m.version])) return;
      await tx.exec(m.sql);
      await tx.query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", [m.version, m.name]);
      applied.push(m.version);
    });
  }
  return applied;
}
