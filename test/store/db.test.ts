import { expect, it } from "vitest";
import { FreeholdError } from "../../src/errors.ts";
import { openDb } from "../../src/store/db.ts";
import { loadMigrations, migrate } from "../../src/store/migrate.ts";
import { describeBackends } from "./backends.ts";

describeBackends("store db", (ctx) => {
  it("applies every migration once and records it", async () => {
    const rows = await ctx.db.query<{ version: number; applied_at: Date }>(
      "SELECT version, applied_at FROM schema_migrations ORDER BY version",
    );
    expect(rows.map((r) => r.version)).toEqual(loadMigrations().map((m) => m.version));
    expect(rows[0].applied_at).toBeInstanceOf(Date);
    expect(await migrate(ctx.db)).toEqual([]);
  });

  it("returns bigint as number, jsonb parsed, timestamptz as Date", async () => {
    const row = await ctx.db.one<{ b: number; j: unknown; t: Date; n: null }>(
      "SELECT $1::bigint AS b, $2::jsonb AS j, now() AS t, NULL::jsonb AS n",
      [5_000_000_000, JSON.stringify({ a: [1, "x"], nested: { ok: true } })],
    );
    expect(row).toEqual({ b: 5_000_000_000, j: { a: [1, "x"], nested: { ok: true } }, t: expect.any(Date), n: null });
  });

  it("commits a transaction and rolls it back on throw", async () => {
    await ctx.db.exec("CREATE TABLE IF NOT EXISTS tx_probe (n int)");
    await ctx.db.transaction((tx) => tx.query("INSERT INTO tx_probe VALUES (1)"));
    const boom = new Error("boom");
    await expect(
      ctx.db.transaction(async (tx) => {
        await tx.query("INSERT INTO tx_probe VALUES (2)");
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await ctx.db.query("SELECT n FROM tx_probe ORDER BY n")).toEqual([{ n: 1 }]);
  });

  it("rolls back only the inner part of a nested transaction", async () => {
    await ctx.db.exec("CREATE TABLE IF NOT EXISTS tx_nested (n int)");
    const result = await ctx.db.transaction(async (tx) => {
      await tx.query("INSERT INTO tx_nested VALUES (1)");
      await tx
        .transaction(async (inner) => {
          await inner.query("INSERT INTO tx_nested VALUES (2)");
          throw new Error("inner");
        })
        .catch(() => {});
      return tx.query("SELECT n FROM tx_nested");
    });
    expect(result).toEqual([{ n: 1 }]);
    expect(await ctx.db.query("SELECT n FROM tx_nested")).toEqual([{ n: 1 }]);
  });

  it("keeps data and schema across reopen without re-running migrations", async () => {
    await ctx.db.query("INSERT INTO settings (key, value) VALUES ('probe', $1)", [JSON.stringify([1, 2])]);
    const db = await ctx.reopen();
    expect(await db.one("SELECT value FROM settings WHERE key = 'probe'")).toEqual({ value: [1, 2] });
    expect(await migrate(db)).toEqual([]);
    expect((await db.query("SELECT version FROM schema_migrations")).length).toBe(loadMigrations().length);
  });

  if (ctx.kind === "pglite") {
    it("refuses a second open of the same data folder", async () => {
      const err = await openDb(ctx.opts).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FreeholdError);
      expect((err as FreeholdError).code).toBe("unavailable");
    });
  }

  if (ctx.kind === "postgres") {
    it("lets several nodes migrate one fresh database at once", async () => {
      const opts = await ctx.fresh();
      // allSettled: a failing open must not leave the others running past the test.
      const results = await Promise.allSettled([1, 2, 3, 4].map(() => openDb(opts)));
      const dbs = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
      try {
        expect(results.filter((r) => r.status === "rejected")).toEqual([]);
        const rows = await dbs[0].query("SELECT version FROM schema_migrations");
        expect(rows.length).toBe(loadMigrations().length);
      } finally {
        await Promise.all(dbs.map((db) => db.close()));
      }
    });
  }
});
