/** Blind battles end to end through the real server with two generated local models. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";
import { Client, newUser } from "../api/app/client.ts";

const NAMES = ["quokka", "narwhal"];
let srv: TestServer, alice: Client, bob: Client;
let first: any; // the battle of the first test, voted on there

beforeAll(async () => {
  srv = await startServer({
    models: { quokka: { shape: "tiny" }, narwhal: { shape: "tiny-moe" } },
    config: { arena: { params: { maxTokens: 10, temperature: 0 } } } as never,
  });
  alice = await newUser(srv.url, "alice@example.com"); // first sign-up: admin
  const { token } = await alice.json("POST", "/app/api/invites", {}, 201);
  bob = await newUser(srv.url, "bob@example.com", token);
});
afterAll(() => srv?.close());

const battle = (c: Client, prompt: string) => c.stream("/app/api/arena/battles", { prompt });
const hidesNames = (x: unknown) => { for (const n of NAMES) expect(JSON.stringify(x)).not.toContain(n); };

describe("a blind battle", () => {
  it("streams both answers side by side, hides the models until the vote, then reveals them with their variants", async () => {
    const events = await battle(alice, "Say hello to the world");
    expect(events[0].type).toBe("battle");
    expect(events.at(-1).type).toBe("done");
    const deltas = (side: string) => events.filter((e) => e.type === "delta" && e.side === side).map((e) => e.text).join("");
    const done = events.at(-1).battle;
    for (const side of ["a", "b"]) {
      expect(deltas(side).length).toBeGreaterThan(0);
      expect(done.turns[0][side]).toEqual({ text: deltas(side), stopped: false, failed: false });
      expect(events.filter((e) => e.type === "side_done" && e.side === side)).toHaveLength(1);
    }
    expect(done).toMatchObject({ voted: false, category: "other", turns: [{ prompt: "Say hello to the world" }] });
    expect(done.models).toBeUndefined();
    const hashes = await Promise.all(NAMES.map(async (n) => (await srv.app.models.get(n)).sha256!));
    // Nothing before the vote names a model or its file: not the stream, the battle, the list, nor the leaderboard.
    const before = [events, await alice.json("GET", `/app/api/arena/battles/${done.id}`), await alice.json("GET", "/app/api/arena/battles"),
      await alice.json("GET", "/app/api/arena/leaderboard")];
    hidesNames(before);
    for (const h of hashes) expect(JSON.stringify(before)).not.toContain(h);

    const voted = (await alice.json("POST", `/app/api/arena/battles/${done.id}/vote`, { winner: "a" })).battle;
    expect(voted).toMatchObject({ voted: true, choice: "a", counted: true, flags: {} });
    expect([voted.models.a.name, voted.models.b.name].sort()).toEqual([...NAMES].sort());
    for (const side of ["a", "b"] as const) {
      const m = await srv.app.models.get(voted.models[side].name);
      expect(voted.models[side].variant).toMatchObject({
        kind: "local", sha256: m.sha256, quantization: m.quantization, adapter: null,
        params: { maxTokens: 10, temperature: 0 }, id: expect.stringMatching(/^[0-9a-f]{12}$/),
      });
      expect(voted.timing[side]).toMatchObject({ tokens: expect.any(Number), durationMs: expect.any(Number) });
      expect(voted.timing[side].tokens).toBeGreaterThan(0);
    }
    expect((await alice.json("GET", `/app/api/arena/battles/${done.id}`)).battle.models).toEqual(voted.models);
    first = voted;
  });

  it("sends a follow-up to both sides and stores every turn", async () => {
    const start = (await battle(alice, "Tell me about water")).at(-1).battle;
    const events = await alice.stream(`/app/api/arena/battles/${start.id}/turns`, { prompt: "And what about oil?" });
    const after = events.at(-1).battle;
    expect(after.turns.map((t: any) => t.prompt)).toEqual(["Tell me about water", "And what about oil?"]);
    for (const side of ["a", "b"]) {
      const streamed = events.filter((e) => e.type === "delta" && e.side === side).map((e) => e.text).join("");
      expect(streamed.length).toBeGreaterThan(0);
      expect(after.turns[1][side].text).toBe(streamed);
    }
    hidesNames(events);
    const voted = (await alice.json("POST", `/app/api/arena/battles/${start.id}/vote`, { winner: "tie" })).battle;
    const row = await srv.app.db.one<{ answer_a: string; turns: unknown[] }>("SELECT answer_a, turns FROM battles WHERE id = $1", [start.id]);
    expect(row!.turns).toHaveLength(2);
    expect(row!.answer_a).toBe(`${voted.turns[0].a.text}\n\n${voted.turns[1].a.text}`);
    // After the vote the battle is closed to follow-ups.
    expect((await alice.req("POST", `/app/api/arena/battles/${start.id}/turns`, { prompt: "more" })).status).toBe(409);
  });

  it("refuses a second vote on the same battle (409) and keeps the first", async () => {
    const res = await alice.req("POST", `/app/api/arena/battles/${first.id}/vote`, { winner: "b" });
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatch(/voted/);
    expect((await alice.json("GET", `/app/api/arena/battles/${first.id}`)).battle.choice).toBe("a");
  });

  it("keeps a battle private to its owner: another user gets 404 to read, continue or vote", async () => {
    const open = (await battle(alice, "What is a good name for a cat?")).at(-1).battle;
    for (const [method, path, body] of [
      ["GET", `/app/api/arena/battles/${open.id}`, undefined],
      ["POST", `/app/api/arena/battles/${open.id}/turns`, { prompt: "hi" }],
      ["POST", `/app/api/arena/battles/${open.id}/vote`, { winner: "a" }],
    ] as const) expect((await bob.req(method, path, body)).status).toBe(404);
    expect((await bob.json("GET", "/app/api/arena/battles")).battles).toEqual([]);
    expect((await alice.json("GET", `/app/api/arena/battles/${open.id}`)).battle.voted).toBe(false); // untouched
    expect((await bob.req("GET", "/app/api/arena/battles?all=true")).status).toBe(403);
  });

  it("assigns a category from the prompt; only an admin corrects it, and the leaderboard filters by it", async () => {
    const b = (await battle(bob, "Write a Python function that sorts a list")).at(-1).battle;
    expect(b).toMatchObject({ category: "coding", categorySource: "auto" });
    expect((await bob.req("PUT", `/app/api/arena/battles/${b.id}/category`, { category: "writing" })).status).toBe(403);
    const fixed = (await alice.json("PUT", `/app/api/arena/battles/${b.id}/category`, { category: "writing" })).battle;
    expect(fixed).toMatchObject({ category: "writing", categorySource: "admin", voted: false });
    hidesNames(fixed); // an admin's view of an unvoted battle is blind too
    expect((await bob.json("GET", `/app/api/arena/battles/${b.id}`)).battle.category).toBe("writing");
    await bob.json("POST", `/app/api/arena/battles/${b.id}/vote`, { winner: "b" });
    const writing = (await alice.json("GET", "/app/api/arena/leaderboard?category=writing")).rows;
    expect(writing.map((r: any) => r.votes).sort()).toEqual([1, 1]);
    const coding = (await alice.json("GET", "/app/api/arena/leaderboard?category=coding")).rows;
    expect(coding.map((r: any) => r.votes)).toEqual([0, 0]); // listed, with no votes in this category
  });

  it("the leaderboard counts every vote per variant, with ratings, intervals and date filters", async () => {
    const board = await alice.json("GET", "/app/api/arena/leaderboard");
    expect(board.rows.map((r: any) => r.model).sort()).toEqual([...NAMES].sort());
    for (const r of board.rows) {
      expect(r.votes).toBe(3); // first, follow-up and category battles
      expect(r.variant).toMatchObject({ kind: "local", id: expect.any(String) });
      expect(r.rating).toEqual(expect.any(Number));
      expect(r.ciLow).toBeLessThanOrEqual(r.rating);
      expect(r.ciHigh).toBeGreaterThanOrEqual(r.rating);
    }
    const style = await alice.json("GET", "/app/api/arena/leaderboard?styleControl=true");
    expect(Object.keys(style.style)).toEqual(["length", "headers", "lists", "bold"]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await alice.json("GET", `/app/api/arena/leaderboard?from=${tomorrow}`)).rows.map((r: any) => r.votes)).toEqual([0, 0]);
    expect((await alice.json("GET", `/app/api/arena/leaderboard?to=${tomorrow}`)).rows.map((r: any) => r.votes)).toEqual([3, 3]);
    expect((await alice.req("GET", "/app/api/arena/leaderboard?from=yesterday")).status).toBe(400);
  });
});
