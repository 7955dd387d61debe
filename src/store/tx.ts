/** Transaction handles shared by both backends; nested transactions become savepoints. */
import { FreeholdError } from "../errors.ts";
import type { Db } from "./db.ts";

export type Run = (sql: string, params?: unknown[]) => Promise<any[]>;

/** A Db bound to one connection that is already inside a transaction. */
export function txDb(kind: Db["kind"], run: Run, exec: (sql: string) => Promise<void>, depth = 1): Db {
  return {
    kind,
    query: run,
    one: async (sql, params) => (await run(sql, params))[0],
    exec,
    async transaction(fn) {
      const sp = `freehold_sp_${depth}`;
      await run(`SAVEPOINT ${sp}`);
      try {
        const result = await fn(txDb(kind, run, exec, depth + 1));
        await run(`RELEASE SAVEPOINT ${sp}`);
        return result;
      } catch (err) {
        await run(`ROLLBACK TO SAVEPOINT ${sp}`);
        throw err;
      }
    },
    close: async () => {
      throw new FreeholdError("internal", "close() called on a transaction handle");
    },
  };
}
