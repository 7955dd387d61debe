/**
 * Battles between scripted upstream models, whose answers the test controls: follow-up
 * histories, identity leaks, vote rate limits, pair sampling, cancellation, export and import.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BattlesRepo } from "../../src/arena/votes.ts";
import { startScriptedUpstream, type Answer, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { Client, newUser } from "../api/app/client.ts";

const ANSWERS: Record<string, Answer> = {
  otter: { text: "Short and sweet." },
  heron: { text: "A longer and more careful reply, with some detail." },
  leaky: { text: "I am Llama, made by Meta." },
  wren: { text: "Wren here, happy to help." }, // names itself: caught by the battle's own model names
  sloth: { text: "still thinking ", hold: true },
  snail: { text: "still thinking ", hold: true },
};
const MODELS = [...Object.keys(ANSWERS), "finch", "robin", "crane", "lark"];

let up: ScriptedUpstream, srv: TestServer, alice: Client, bob: Client, carol: Client;

beforeAll(async () => {
  up = await startScriptedUpstream((req) => ANSWERS[req.body?.model] ?? { text: "A plain answer." });
  srv = await startServer({ models: {}, config: { arena: { votesPerMinute: 3 } } as never });
  for (const name of MODELS) await srv.app.upstreams.add({ name, baseUrl: up.url });
  alice = await newUser(srv.url, "alice@example.com");
  const invite = async () => (await alice.json("POST", "/app/api/invites", {}, 201)).token;
  bob = await newUser(srv.url, "bob@example.com", await invite());
  carol = await newUser(srv.url, "carol@example.com", await invite());
});
afterAll(async () => { await srv?.close(); await up?.close(); });

const start = async (c: Client, prompt: string, models: string[]) =>
  (await c.stream("/app/api/arena/battles", { prompt, pool: { models } })).at(-1).battle;
const vote = async (c: Client, id: string, winner = "a") => (await c.json("POST", `/app/api/arena/battles/${id}/vote`, { winner })).battle;
const chatRequests = (model: string) => up.requests.filter((r) => r.path === "/v1/chat/completions" && r.body.model === model);

describe("battles on upstream models", () => {
  it("sends a follow-up to both sides, each with its own earlier answer", async () => {
    const b = await start(alice, "Describe a river", ["otter", "heron"]);
    await alice.stream(`/app/api/arena/battles/${b.id}/turns`, { prompt: "Now describe a lake" });
    for (const model of ["otter", "heron"]) {
      const [firstTurn, followUp] = chatRequests(model).slice(-2);
      expect(firstTurn.body.messages).toEqual([{ role: "user", content: "Describe a river" }]);
      expect(followUp.body.messages).toEqual([
        { role: "user", content: "Describe a river" }, { role: "assistant", content: (ANSWERS[model] as { text: string }).text },
        { role: "user", content: "Now describe a lake" },
      ]);
    }
    const voted = await vote(alice, b.id);
    expect(voted.counted).toBe(true);
    expect(voted.models.a.variant).toMatchObject({ kind: "upstream", remoteModel: voted.models.a.name, baseUrl: up.url });
  });

  it("flags an answer that names its maker and does not count the vote", async () => {
    const b = await start(alice, "Who are you?", ["leaky", "otter"]);
    const voted = await vote(alice, b.id, "both_bad");
    const leakySide = voted.models.a.name === "leaky" ? "a" : "b";
    expect(voted).toMatchObject({ counted: false, choice: "both_bad", flags: { leakedIdentity: { [leakySide]: ["llama", "meta"] }, notCounted: ["leaked_identity"] } });
    const row = (await alice.json("GET", "/app/api/arena/leaderboard")).rows.find((r: any) => r.model === "leaky");
    expect(row).toMatchObject({ votes: 0, rating: null }); // listed, never rated on a sighted vote
  });

  it("flags an answer that names its own model", async () => {
    const voted = await vote(alice, (await start(alice, "Introduce yourself", ["wren", "heron"])).id);
    const side = voted.models.a.name === "wren" ? "a" : "b";
    expect(voted.counted).toBe(false);
    expect(voted.flags.leakedIdentity).toEqual({ [side]: ["wren"] });
  });

  it("stores votes beyond the rate limit without counting them", async () => {
    const counted: boolean[] = [];
    for (let i = 0; i < 4; i++) counted.push((await vote(carol, (await start(carol, `Question ${i}`, ["otter", "heron"])).id)).counted);
    expect(counted).toEqual([true, true, true, false]);
    const last = (await carol.json("GET", "/app/api/arena/battles")).battles[0];
    expect(last.flags).toMatchObject({ rateLimited: { perMinute: 3 }, notCounted: ["rate_limited"] });
  });

  it("draws the least-compared pair first", async () => {
    // Every pair of the four has had two battles except robin-crane: it must be drawn, twice in a row.
    const repo = new BattlesRepo(srv.app.db), birds = ["finch", "robin", "crane", "lark"];
    for (const [i, a] of birds.entries()) for (const b of birds.slice(i + 1)) {
      if (a === "robin" && b === "crane") continue;
      for (let n = 0; n < 2; n++) await repo.insert({ prompt: "earlier", modelA: n ? a : b, modelB: n ? b : a, userId: "someone" });
    }
    for (const [who, before] of [[alice, 0], [bob, 1]] as const) {
      const voted = await vote(who, (await start(who, "Pick a colour", birds)).id);
      expect([voted.models.a.name, voted.models.b.name].sort()).toEqual(["crane", "robin"]);
      expect(voted.draw).toMatchObject({ strategy: "least-compared", candidates: 4, pairBattlesBefore: before });
    }
  });

  it("refuses pools it cannot draw from", async () => {
    const local = await alice.req("POST", "/app/api/arena/battles", { prompt: "hi", pool: { kind: "local" } });
    expect(local.status).toBe(400);
    expect((await local.json()).error).toMatch(/at least two models/);
    expect((await alice.req("POST", "/app/api/arena/battles", { prompt: "hi", pool: { models: ["otter", "nope"] } })).status).toBe(404);
    expect((await alice.req("POST", "/app/api/arena/battles", { prompt: "   " })).status).toBe(400);
  });

  it("cancels both generations when the voter leaves, keeping what each side wrote", async () => {
    const ctl = new AbortController();
    const res = await alice.req("POST", "/app/api/arena/battles", { prompt: "Take your time", pool: { models: ["sloth", "snail"] } }, { signal: ctl.signal });
    const reader = res.body!.getReader(), decoder = new TextDecoder();
    let text = "";
    while (!(text.includes('"side":"a"') && text.includes('"side":"b"'))) text += decoder.decode((await reader.read()).value);
    const id = JSON.parse(text.split("\n\n")[0].slice(6)).battle.id;
    ctl.abort();
    let battle: any;
    for (let i = 0; i < 200 && !battle?.turns.length; i++) {
      await new Promise((r) => setTimeout(r, 50));
      battle = (await alice.json("GET", `/app/api/arena/battles/${id}`)).battle;
    }
    expect(up.aborted.map((r) => r.body.model).sort()).toEqual(["sloth", "snail"]);
    expect(battle.turns[0].a).toEqual({ text: "still thinking ", stopped: true, failed: false });
    expect(battle.turns[0].b).toEqual({ text: "still thinking ", stopped: true, failed: false });
  });

  it("exports voted battles as FastChat JSONL and imports them back (admins only)", async () => {
    expect((await bob.req("GET", "/app/api/arena/export")).status).toBe(403);
    const res = await alice.req("GET", "/app/api/arena/export");
    expect(res.headers.get("content-type")).toMatch(/ndjson/);
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l));
    const voted = await srv.app.db.one<{ n: number }>("SELECT count(*)::int AS n FROM battles WHERE winner IS NOT NULL");
    expect(lines).toHaveLength(voted!.n);
    const followUp = lines.find((l) => l.turn === 2);
    expect(followUp.conversation_a.map((t: any) => t.role)).toEqual(["user", "assistant", "user", "assistant"]);
    expect(lines.every((l) => ["model_a", "model_b", "tie", "tie (bothbad)"].includes(l.winner))).toBe(true);

    const jsonl = [
      { model_a: "imp-x", model_b: "imp-y", winner: "model_a", tstamp: 1.7e9, judge: "elsewhere", anony: true, conversation_a: [{ role: "user", content: "Solve 2 + 2" }, { role: "assistant", content: "4" }] },
      { model_a: "imp-y", model_b: "imp-x", winner: "model_b", tstamp: 1.7e9 + 1, anony: true, category: "writing" },
    ].map((l) => JSON.stringify(l)).join("\n");
    const post = (c: Client) => fetch(`${srv.url}/app/api/arena/import`, {
      method: "POST", body: jsonl, headers: { "content-type": "application/x-ndjson", cookie: c.cookie, "x-csrf-token": c.csrf },
    });
    expect((await post(bob)).status).toBe(403);
    const imported = await post(alice);
    expect(imported.status).toBe(201);
    expect(await imported.json()).toEqual({ imported: 2, skipped: 0 });
    const rows = (await alice.json("GET", "/app/api/arena/leaderboard")).rows.filter((r: any) => r.model.startsWith("imp-"));
    expect(rows.map((r: any) => [r.model, r.votes])).toEqual([["imp-x", 2], ["imp-y", 2]]);
    const cats = await srv.app.db.query<{ category: string; category_source: string }>(
      "SELECT category, category_source FROM battles WHERE model_a LIKE 'imp-%' ORDER BY created_at");
    expect(cats).toEqual([{ category: "maths", category_source: "auto" }, { category: "writing", category_source: "import" }]);
  });
});
