/**
 * The one database seam: the app talks to `Db`, never to PGlite or pg directly, so a single
 * node can run on embedded PGlite and several nodes can share one PostgreSQL (ARCHITECTURE.md).
 */
import { FreeholdError } from "../errors.ts";
import { migrate } from "./migrate.ts";
import { openPglite } from "./pglite.ts";

export interface Db {
  kind: "pglite" | "postgres";
  /** One statement, `$1..$n` parameters. Pass JSON values as `JSON.stringify(v)`: pg would turn a JS array into a SQL array. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** First row or undefined. */
  one<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** Several statements, no parameters, no rows (migrations). */
  exec(sql: string): Promise<void>;
  /** Commits when `fn` resolves, rolls back when it throws. Nested calls use savepoints.
   *  Inside `fn` use only `tx`: on PGlite the outer handle waits for the transaction to end. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** True when `err` is a unique-constraint violation; PGlite and pg both expose SQLSTATE as `code`. */
export const isUniqueViolation = (err: unknown): boolean =>
  typeof err === "object" && err !== null && (err as { code?: unknown }).code === "23505";

/** PostgreSQL when `url` is given, else PGlite persisted in `dataDir`. Migrations are applied before returning. */
export async function openDb(opts: { url?: string; dataDir?: string }): Promise<Db> {
  let db: Db;
  if (opts.url) db = await (await import("./postgres.ts")).openPostgres(opts.url); // pg only when used
  else if (opts.dataDir) db = await openPglite(opts.dataDir);
  else throw new FreeholdError("internal", "openDb needs a PostgreSQL url or a PGlite dataDir");
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
