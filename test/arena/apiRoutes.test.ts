/** /v1/arena for API clients: the voter is the API key, errors take OpenAI's shape, admin routes need the admin scope. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScriptedUpstream, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let up: ScriptedUpstream, srv: TestServer;
let user1: string, user2: string, admin: string, user1Id: string;

beforeAll(async () => {
  up = await startScriptedUpstream(() => ({ text: "A plain answer." }));
  srv = await startServer({ models: {}, config: { server: { requireAuth: true } } });
  for (const name of ["ibis", "stork"]) await srv.app.upstreams.add({ name, baseUrl: up.url });
  const k1 = await srv.app.auth.create({ name: "one", scopes: ["inference"] });
  user1 = k1.secret; user1Id = k1.key.id;
  user2 = (await srv.app.auth.create({ name: "two", scopes: ["inference"] })).secret;
  admin = (await srv.app.auth.create({ name: "boss", scopes: ["admin"] })).secret;
});
afterAll(async () => { await srv?.close(); await up?.close(); });

const call = (key: string | null, method: string, path: string, body?: unknown) => fetch(srv.url + path, {
  method, body: body === undefined ? undefined : JSON.stringify(body),
  headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }) },
});
const events = async (res: Response) => (await res.text()).split("\n\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));

describe("/v1/arena", () => {
  it("runs a battle for an API key, private to that key, with OpenAI-shaped errors", async () => {
    expect((await call(null, "POST", "/v1/arena/battles", { prompt: "hi" })).status).toBe(401);
    const res = await call(user1, "POST", "/v1/arena/battles", { prompt: "Name three rivers" });
    expect(res.headers.get("content-type")).toMatch(/event-stream/);
    const evs = await events(res);
    const battle = evs.at(-1).battle;
    expect(evs.map((e) => e.type)).toContain("delta");
    expect(JSON.stringify(evs)).not.toMatch(/ibis|stork/);

    const other = await call(user2, "GET", `/v1/arena/battles/${battle.id}`);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { type: "invalid_request_error", code: "not_found", message: "battle not found" } });
    expect((await call(user2, "POST", `/v1/arena/battles/${battle.id}/vote`, { winner: "a" })).status).toBe(404);

    const bad = await call(user1, "POST", `/v1/arena/battles/${battle.id}/vote`, { winner: "left" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.param).toBe("winner");
    const voted = (await (await call(user1, "POST", `/v1/arena/battles/${battle.id}/vote`, { winner: "b" })).json()).battle;
    expect([voted.models.a.name, voted.models.b.name].sort()).toEqual(["ibis", "stork"]);
    const mine = (await (await call(user1, "GET", "/v1/arena/battles")).json()).battles;
    expect(mine.map((b: any) => b.id)).toEqual([battle.id]);
    expect((await srv.app.db.one<{ user_id: string }>("SELECT user_id FROM battles WHERE id = $1", [battle.id]))!.user_id).toBe(`key:${user1Id}`);
  });

  it("keeps category correction, export and import to admin keys; the leaderboard to any key", async () => {
    const [battle] = (await (await call(user1, "GET", "/v1/arena/battles")).json()).battles;
    expect((await call(user1, "PUT", `/v1/arena/battles/${battle.id}/category`, { category: "coding" })).status).toBe(403);
    const fixed = await call(admin, "PUT", `/v1/arena/battles/${battle.id}/category`, { category: "coding" });
    expect((await fixed.json()).battle).toMatchObject({ category: "coding", categorySource: "admin" });
    expect((await call(user1, "GET", "/v1/arena/export")).status).toBe(403);
    const lines = (await (await call(admin, "GET", "/v1/arena/export?category=coding")).text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ judge: `key:${user1Id}`, category: "coding", turn: 1 });
    const board = await (await call(user2, "GET", "/v1/arena/leaderboard?category=coding")).json();
    expect(board.rows.map((r: any) => r.votes)).toEqual([1, 1]);
    const imported = await call(admin, "POST", "/v1/arena/import", { jsonl: JSON.stringify({ ...lines[0], question_id: undefined }) });
    expect(await imported.json()).toEqual({ imported: 1, skipped: 0 });
  });
});
