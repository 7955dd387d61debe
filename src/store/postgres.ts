/**
 * PostgreSQL through a pg.Pool, for installs where several `freehold serve` nodes share one
 * database. Type parsers are set on this pool only, so other pg users in the process keep
 * pg's defaults.
 */
import pg from "pg";
import type { Db } from "./db.ts";
import { parsers } from "./parsers.ts";
import { txDb } from "./tx.ts";

export async function openPostgres(url: string, poolSize = 10): Promise<Db> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: "text" | "binary") =>
        parsers[oid] ?? pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its connection emits 'error' on the pool; unhandled, that kills the
  // process. The pool drops the client and the next query reconnects, so there is nothing to do.
  pool.on("error", () => {});
  try {
    (await pool.connect()).release(); // fail at open, not at the first query
  } catch (err) {
    await pool.end();
    throw err;
  }

  const run = async (sql: string, params?: unknown[]) => (await pool.query(sql, params)).rows;
  let closed = false;
  return {
    kind: "postgres",
    query: run,
    one: async (sql, params) => (await run(sql, params))[0],
    exec: async (sql) => void (await pool.query(sql)),
    async transaction(fn) {
      const client = await pool.connect();
      let broken: unknown;
      try {
        await client.query("BEGIN");
        const tx = txDb(
          "postgres",
          async (sql, params) => (await client.query(sql, params)).rows,
          async (sql) => void (await client.query(sql)),
        );
        const result = await fn(tx);
        await client.query("COMMIT");
        return result;
      } catch (err) {
        try {
          await client.query("ROLLBACK");
        } catch (rollbackErr) {
          broken = rollbackErr; // connection is unusable: destroy it rather than return it to the pool
        }
        throw err;
      } finally {
        client.release(broken instanceof Error ? broken : undefined);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
