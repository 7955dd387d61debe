/**
 * Embedded PostgreSQL (WASM) for single-node installs. Durability, measured on 0.5.16 with
 * NodeFS: every write goes straight to the host file through writeSync and commits are
 * synchronous (synchronous_commit=on), so a killed process loses nothing it acknowledged.
 * PGlite runs with fsync=off and emscripten's fdatasync is a no-op, so an OS crash or power
 * loss can lose recent commits; deployments that need that guarantee use PostgreSQL.
 *
 * Memory (bench/memory.ts): the WebAssembly heap never shrinks, and emscripten zeroes the
 * shared memory at start, so every MB of shared_buffers is resident for the process's life.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { FreeholdError } from "../errors.ts";
import type { Db } from "./db.ts";
import { lockDir } from "./lock.ts";
import { parsers } from "./parsers.ts";
import { txDb } from "./tx.ts";

/**
 * PGlite's defaults plus a small buffer pool. The stock 128 MB was 120 MB of the idle server's
 * resident memory; Freehold's tables are small and a buffer miss is only a read from the host's
 * page cache. The lock table and connection slots keep their defaults (they bound what one
 * transaction may lock).
 */
export const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=8MB"];

const PGLITE_CJS = createRequire(import.meta.url).resolve("@electric-sql/pglite");
/** A folder holds a complete cluster once PG_VERSION is in it (PGlite resumes on it). */
const CLUSTER_MARK = "PG_VERSION";

/**
 * Creates the cluster (initdb) in a child process. In-process, PGlite runs initdb in a second
 * WebAssembly instance whose memory the process never gets back: a first start stayed ~450 MB
 * above a restart. The child builds it in `<dataDir>/.initdb`, then its entries are moved in
 * with PG_VERSION last, so a start killed half-way redoes it instead of resuming a torn cluster.
 */
async function initCluster(dataDir: string): Promise<void> {
  const work = join(dataDir, ".initdb");
  rmSync(work, { recursive: true, force: true });
  const child = spawn(process.execPath, ["-e", "require(process.argv[1]).PGlite.create(process.argv[2]).then((pg) => pg.close())", PGLITE_CJS, resolve(work)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => { stderr = (stderr + c).slice(-4000); });
  const code = await new Promise<number | null>((ok, fail) => child.once("error", fail).once("exit", ok));
  if (code !== 0 || !existsSync(join(work, CLUSTER_MARK)))
    throw new FreeholdError("internal", `could not create the database in ${dataDir} (initdb exited ${code}): ${stderr.trim()}`);
  const entries = readdirSync(work).sort((a, b) => Number(a === CLUSTER_MARK) - Number(b === CLUSTER_MARK));
  for (const entry of entries) {
    rmSync(join(dataDir, entry), { recursive: true, force: true }); // left by an interrupted move
    renameSync(join(work, entry), join(dataDir, entry));
  }
  rmSync(work, { recursive: true, force: true });
}

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
    if (!inMemory && !existsSync(join(dataDir, CLUSTER_MARK))) await initCluster(dataDir);
    pg = await PGlite.create(inMemory ? undefined : dataDir, { parsers, relaxedDurability: false, startParams: PGLITE_START_PARAMS });
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
