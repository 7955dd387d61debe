/**
 * Runs a store suite once per backend: PGlite in a temp folder and PostgreSQL from
 * test/helpers/postgres.ts (PGlite folders are copies of a migrated template, see
 * pgliteTemplate.ts). Without PostgreSQL installed, that half is skipped, loudly.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe } from "vitest";
import { type Db, openDb } from "../../src/store/db.ts";
import { postgresBinDir, startPostgres, type TestPostgres } from "../helpers/postgres.ts";
import { copyPgliteTemplate } from "./pgliteTemplate.ts";

export type OpenOpts = { url?: string; dataDir?: string };

export interface Ctx {
  kind: Db["kind"];
  db: Db;
  opts: OpenOpts;
  /** Closes `db` and opens the same database again. */
  reopen(): Promise<Db>;
  /** Options for another, empty database (PostgreSQL: a new database in the same server). */
  fresh(): Promise<OpenOpts>;
}

const hasPostgres = postgresBinDir() !== undefined;
if (!hasPostgres)
  console.warn("\n!!!!!!!! PostgreSQL not installed: skipping PostgreSQL half of store tests (.ci/install-postgres.sh) !!!!!!!!\n");

export function describeBackends(title: string, body: (ctx: Ctx) => void): void {
  for (const kind of ["pglite", "postgres"] as const) {
    describe.skipIf(kind === "postgres" && !hasPostgres)(`${title} [${kind}]`, () => {
      const ctx = { kind } as Ctx;
      const dirs: string[] = [];
      let server: TestPostgres | undefined;
      let dbCount = 0;

      const newDir = async () => {
        const dir = mkdtempSync(join(tmpdir(), "freehold-store-"));
        dirs.push(dir);
        await copyPgliteTemplate(join(dir, "db"));
        return { dataDir: join(dir, "db") };
      };
      ctx.fresh = async () => {
        if (kind === "pglite") return newDir();
        const name = `fresh_${++dbCount}`;
        await ctx.db.exec(`CREATE DATABASE ${name}`);
        return { url: server!.url.replace(/\/postgres$/, `/${name}`) };
      };
      ctx.reopen = async () => {
        await ctx.db.close();
        return (ctx.db = await openDb(ctx.opts));
      };

      beforeAll(async () => {
        if (kind === "postgres") {
          server = await startPostgres();
          ctx.opts = { url: server!.url };
        } else ctx.opts = await newDir();
        ctx.db = await openDb(ctx.opts);
      });
      afterAll(async () => {
        await ctx.db?.close();
        await server?.stop();
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      });

      body(ctx);
    });
  }
}
