/**
 * Migration 009 on data written before it: a shared conversation keeps only what existed when it
 * was shared, and a conversation a failure left ending in a prompt gets a failed answer.
 */
import { expect, it } from "vitest";
import { loadMigrations, migrate } from "../../src/store/migrate.ts";
import { openPglite } from "../../src/store/pglite.ts";

it("backfills share snapshots and unsticks conversations ending in a prompt", async () => {
  const db = await openPglite("memory://");
  try {
    await migrate(db, loadMigrations().filter((m) => m.version < 9));
    const id = async (sql: string, params: unknown[]) => (await db.one<{ id: string }>(`${sql} RETURNING id`, params))!.id;
    const user = await id("INSERT INTO users (email, display_name, password_hash, role) VALUES ('a@x', 'a', 'h', 'admin')", []);
    const conv = await id("INSERT INTO conversations (owner_id, title, model) VALUES ($1, 't', 'm')", [user]);
    const add = (parent: string | null, role: string, content: string) =>
      id("INSERT INTO messages (conversation_id, parent_id, role, content) VALUES ($1, $2, $3, $4)", [conv, parent, role, content]);
    const q1 = await add(null, "user", "public"), a1 = await add(q1, "assistant", "answer");
    const share = await id("INSERT INTO shares (owner_id, conversation_id) VALUES ($1, $2)", [user, conv]);
    const q2 = await add(a1, "user", "private"), a2 = await add(q2, "assistant", "answer 2"), q3 = await add(a2, "user", "failed");
    await db.query("UPDATE conversations SET current_leaf = $2 WHERE id = $1", [conv, q3]);
    // Explicit times: inserts in one millisecond share a timestamp under PGlite's clock.
    const at = (table: string, rowId: string, second: number) => db.query(`UPDATE ${table} SET created_at = $2 WHERE id = $1`, [rowId, new Date(Date.UTC(2026, 0, 1, 0, 0, second))]);
    for (const [i, m] of [q1, a1].entries()) await at("messages", m, i);
    await at("shares", share, 2);
    for (const [i, m] of [q2, a2, q3].entries()) await at("messages", m, 3 + i);

    expect(await migrate(db, loadMigrations().filter((m) => m.version <= 9))).toEqual([9]);
    expect((await db.one<{ leaf_id: string }>("SELECT leaf_id FROM shares WHERE id = $1", [share]))!.leaf_id).toBe(a1);
    const leaf = await db.one<any>("SELECT m.* FROM messages m JOIN conversations c ON c.current_leaf = m.id WHERE c.id = $1", [conv]);
    expect(leaf).toMatchObject({ parent_id: q3, role: "assistant", content: "", error: expect.any(String) });
    expect(await db.query("SELECT 1 FROM messages WHERE error IS NOT NULL")).toHaveLength(1);
  } finally {
    await db.close();
  }
});
