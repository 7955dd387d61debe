import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArenaService, type ArenaDeps } from "../../src/arena/battles.ts";
import { parseFastChat, toFastChat } from "../../src/arena/fastchat.ts";
import { leaderboard } from "../../src/arena/leaderboard.ts";
import { BattlesRepo } from "../../src/arena/votes.ts";
import { FreeholdError } from "../../src/errors.ts";
import { openDb, type Db } from "../../src/store/db.ts";
import { copyPgliteTemplate } from "../store/pgliteTemplate.ts";

let dir: string, db: Db, repo: BattlesRepo;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "freehold-arena-"));
  await copyPgliteTemplate(join(dir, "db"));
  db = await openDb({ dataDir: join(dir, "db") });
  repo = new BattlesRepo(db);
});
afterAll(async () => { await db?.close(); rmSync(dir, { recursive: true, force: true }); });

const battle = (modelA: string, modelB: string, winner: "model_a" | "model_b" | "tie" | null, extra = {}) => ({
  prompt: "Explain monads", modelA, modelB, winner, answerA: "A monad is…", answerB: "## Monads\n- **bind**",
  variantA: { sha256: "aa", quantization: "Q4_K_M" }, variantB: { sha256: "bb" }, userId: "u1", category: "coding", ...extra,
});

describe("battles store and FastChat JSONL", () => {
  it("stores battles and the leaderboard lists every model that ever battled", async () => {
    await repo.insert(battle("qwen", "llama", "model_a"));
    await repo.insert(battle("qwen", "llama", "tie"));
    await repo.insert(battle("llama", "mistral", "model_b", { category: "writing" }));
    await repo.insert(battle("gemma", "qwen", "model_a", { counted: false, flags: { leakedIdentity: true } }));
    const all = await leaderboard(db, { rounds: 50 });
    expect(all.rows.map((r) => r.model).sort()).toEqual(["gemma", "llama", "mistral", "qwen"]);
    expect(all.rows.find((r) => r.model === "gemma")).toMatchObject({ votes: 0, rating: null });
    const coding = await leaderboard(db, { category: "coding", rounds: 50 });
    expect(coding.rows).toHaveLength(4); // filters narrow the votes, never the list
    expect(coding.rows.find((r) => r.model === "mistral")).toMatchObject({ votes: 0, rating: null });
    expect(coding.rows.find((r) => r.model === "qwen")!.votes).toBe(2);
    const future = await leaderboard(db, { from: new Date(Date.now() + 86_400_000), rounds: 10 });
    expect(future.rows.every((r) => r.votes === 0)).toBe(true);
  });

  it("round-trips through FastChat's battle-log layout", async () => {
    const before = await repo.list();
    const lines = before.map(toFastChat);
    const rec = JSON.parse(lines[0]);
    for (const f of ["model_a", "model_b", "winner", "tstamp", "judge", "conversation_a", "conversation_b", "turn", "anony", "language"])
      expect(rec).toHaveProperty(f);
    expect(rec.conversation_a[0]).toEqual({ role: "user", content: "Explain monads" });
    const parsed = parseFastChat(lines.join("\n") + "\n");
    const strip = ({ id: _i, flags: _f, turns: _t, questionId: _q, ...rest }: Record<string, unknown>) => rest;
    parsed.forEach((p, i) => expect(strip({ ...before[i], ...p } as Record<string, unknown>)).toEqual(strip(before[i] as unknown as Record<string, unknown>)));
    // A battle stored without turns exports as one: prompt and answer come back as that turn.
    expect(parsed[0].turns).toMatchObject([{ prompt: "Explain monads", a: { text: "A monad is…" }, b: { text: "## Monads\n- **bind**" } }]);
    // Found by model: battles inserted within one clock tick may list in any order.
    expect(parsed.find((p) => p.modelA === "gemma")!.counted).toBe(false);
    expect(parsed[0].questionId).toBe(before[0].id); // a battle fought here travels under its own id
  });

  it("rejects bad lines with their line numbers and imports nothing", () => {
    const good = JSON.stringify({ model_a: "a", model_b: "b", winner: "model_a", tstamp: 1.7e9 });
    const text = [good, "{not json", "", JSON.stringify({ model_a: "a", winner: "model_a" }), JSON.stringify({ model_a: "a", model_b: "b", winner: "A" })].join("\n");
    let err: unknown;
    try { parseFastChat(text); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FreeholdError);
    const msg = (err as Error).message;
    expect(msg).toMatch(/line 2: /);
    expect(msg).toMatch(/line 4: 'model_b'/);
    expect(msg).toMatch(/line 5: 'winner'/);
    expect(msg).not.toMatch(/line 1:|line 3:/);
  });

  it("refuses out-of-range timestamps, NUL characters, self-battles and lines without a vote, by line", () => {
    const ok = { model_a: "a", model_b: "b", winner: "model_a", tstamp: 1.7e9 };
    const lines = [
      ok, { ...ok, tstamp: 1e20 }, { ...ok, tstamp: -1e15 }, { ...ok, model_a: "a\u0000x" },
      { ...ok, conversation_a: [{ role: "user", content: "hi\u0000" }] }, { ...ok, model_b: "a" }, { ...ok, winner: null }, { ...ok, winner: undefined },
    ];
    let err: unknown;
    try { parseFastChat(lines.map((l) => JSON.stringify(l)).join("\n")); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(FreeholdError);
    expect((err as FreeholdError).code).toBe("invalid_request"); // 400
    const msg = (err as Error).message;
    expect(msg).toMatch(/line 2: 'tstamp'/);
    expect(msg).toMatch(/line 3: 'tstamp'/);
    expect(msg).toMatch(/line 4: 'model_a' contains a NUL/);
    expect(msg).toMatch(/line 5: 'conversation_a\[0\]\.content' contains a NUL/);
    expect(msg).toMatch(/line 6: 'model_a' and 'model_b' must be different/);
    expect(msg).toMatch(/line 7: 'winner'/);
    expect(msg).toMatch(/line 8: 'winner'/);
    expect(msg).not.toMatch(/line 1:/);
  });

  it("keeps FastChat's question_id, exports it back and skips battles already imported", async () => {
    const arena = new ArenaService({ db } as unknown as ArenaDeps);
    const line = (q: string, winner = "model_a") => JSON.stringify({
      question_id: q, model_a: "falcon", model_b: "owl", winner, tstamp: 1.7e9,
      conversation_a: [{ role: "user", content: "hi" }, { role: "assistant", content: "hello" }],
      conversation_b: [{ role: "user", content: "hi" }, { role: "assistant", content: "hey" }],
    });
    const file = [line("q-1"), line("q-2", "model_b"), line("q-1")].join("\n");
    expect(await arena.importFastChat(file)).toEqual({ imported: 2, skipped: 1 }); // q-1 twice in the file
    expect(await arena.importFastChat(file)).toEqual({ imported: 0, skipped: 3 });
    const board = await leaderboard(db, { rounds: 10 });
    expect(board.rows.find((r) => r.model === "falcon")!.votes).toBe(2);
    const exported = (await arena.exportLines()).map((l) => JSON.parse(l)).filter((r) => r.model_a === "falcon");
    expect(exported.map((r) => r.question_id).sort()).toEqual(["q-1", "q-2"]);
    // A battle fought here exports its own id, and that id is recognised on the way back in.
    const native = (await arena.exportLines()).find((l) => JSON.parse(l).model_a !== "falcon")!;
    expect(await arena.importFastChat(native)).toEqual({ imported: 0, skipped: 1 });
  });
});
