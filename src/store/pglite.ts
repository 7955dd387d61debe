/**
 * Embedded PostgreSQL (WASM) for single-node installs. Durability, measured on 0.5.16 with
 * NodeFS: every write goes straight to the host file through writeSync and commits are
 * synchronous (synchronous_commit=on), so a killed process loses nothing it acknowledged.
 * PGlite runs with fsync=off and emscripten's fdatasync is a no-op, so an OS crash or power
 * loss can lose recent commits; deployments that need that guarantee use PostgreSQL.
 */
import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import type { Db } from "./db.ts";
import { lockDir } from "./lock.ts";
import { parsers } from "./parsers.ts";
import { txDb } from "./tx.ts";

/** `dataDir` is a folder, or `memory://` for a throw-away database. */
export async function openPglite(dataDir: string): Promise<Db> {
  const inMemory = dataDir.startsWith("memory://");
  let unlock = () => {};
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    unlock = lockDir(dataDir);
  }
  let pg: PGlite;
  try {
    pg = await PGlite.create(inMemory ? undefined : dataDir, { parsers, relaxedDurability: false });
  } catch (err) {
    unlock();
    throw err;
  }

  const run = async (sql: string, params?: unknown[]) => (await pg.query(sql, params)).rows as any[];
  return {
    kind: "pglite",
    query: run,
    one: async (sql, params) => (await run(sql, params))[0],
    exec: async (sql) => void (await pg.exec(sql)),
    transaction: (fn) =>
      pg.transaction((tx) =>
        fn(
          txDb(
            "pglite",
            async (sql, params) => (await tx.query(sql, params)).rows as any[],
            async (sql) => void (await tx.exec(sql)),
          ),
        ),
      ),
    async close() {
      if (pg.closed) return;
      try {
        await pg.close();
      } finally {
        unlock();
      }
    },
  };
}
