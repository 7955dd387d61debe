import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";
import { Client, newUser } from "./client.ts";

let srv: TestServer;
let admin: Client;
beforeAll(async () => {
  // API keys required on /v1 and /api: the web app's cookie sessions must work regardless.
  srv = await startServer({ models: { tiny: { shape: "tiny" } }, config: { server: { requireAuth: true } } });
  admin = await newUser(srv.url, "Admin@Example.com");
});
afterAll(() => srv?.close());

describe("accounts and sessions", () => {
  it("makes the first sign-up admin, then requires an invite", async () => {
    expect((await admin.json("GET", "/app/api/session")).user).toMatchObject({ email: "admin@example.com", role: "admin" });
    const anon = new Client(srv.url);
    const res = await anon.req("POST", "/app/api/signup", { email: "m@example.com", password: "long enough pw", displayName: "M" });
    expect(res.status).toBe(403);
    const { token } = await admin.json("POST", "/app/api/invites", {}, 201);
    const member = await newUser(srv.url, "m@example.com", token);
    expect((await member.json("GET", "/app/api/session")).user.role).toBe("member");
    // an invite works once
    const again = await anon.req("POST", "/app/api/signup", { email: "x@example.com", password: "long enough pw", displayName: "X", invite: token });
    expect(again.status).toBe(403);
    expect((await member.req("GET", "/app/api/users")).status).toBe(403);
  });

  it("sets an httpOnly SameSite cookie and stores scrypt hashes, never passwords", async () => {
    const res = await new Client(srv.url).req("POST", "/app/api/login", { email: "admin@example.com", password: "correct horse battery" });
    expect(res.headers.get("set-cookie")).toMatch(/^fh_session=[\w-]+; Path=\/; HttpOnly; SameSite=Lax/);
    const rows = await srv.app.db.query<{ password_hash: string }>("SELECT password_hash FROM users");
    for (const r of rows) {
      expect(r.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
      expect(r.password_hash).not.toContain("correct horse");
    }
    const sessions = await srv.app.db.query<{ token_hash: string }>("SELECT token_hash FROM sessions");
    expect(sessions.every((s) => /^[0-9a-f]{64}$/.test(s.token_hash))).toBe(true);
  });

  it("answers 401 to a wrong password and 429 after repeated failures", async () => {
    const c = new Client(srv.url);
    const bad = () => c.req("POST", "/app/api/login", { email: "admin@example.com", password: "wrong password" });
    expect((await bad()).status).toBe(401);
    for (let i = 0; i < 4; i++) await bad();
    const limited = await bad();
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // even the right password waits out the window
    expect((await c.req("POST", "/app/api/login", { email: "admin@example.com", password: "correct horse battery" })).status).toBe(429);
  });

  it("counts guesses sent in parallel: at most 5 are checked", async () => {
    const c = new Client(srv.url);
    const statuses = await Promise.all(Array.from({ length: 12 }, () =>
      c.req("POST", "/app/api/login", { email: "parallel@example.com", password: "wrong password" }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 401)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
  });

  it("requires a session and the CSRF header on writes", async () => {
    expect((await new Client(srv.url).req("GET", "/app/api/conversations")).status).toBe(401);
    expect((await admin.req("GET", "/api/tags")).status).toBe(401); // a session cookie is no API key
    const res = await admin.req("POST", "/app/api/conversations", { model: "tiny" }, { csrf: false });
    expect(res.status).toBe(403);
    expect((await admin.req("POST", "/app/api/invites", {}, { csrf: false })).status).toBe(403);
    await admin.json("POST", "/app/api/conversations", { model: "tiny" }, 201);
  });

  it("lets an admin create, demote and disable users; a disabled user's session stops working", async () => {
    const { user } = await admin.json("POST", "/app/api/users", { email: "d@example.com", password: "long enough pw", displayName: "D" }, 201);
    const d = new Client(srv.url);
    await d.login("d@example.com", "long enough pw");
    expect((await d.req("GET", "/app/api/session")).status).toBe(200);
    await admin.json("PATCH", `/app/api/users/${user.id}`, { disabled: true });
    expect((await d.req("GET", "/app/api/session")).status).toBe(401);
    const refused = await d.req("POST", "/app/api/login", { email: "d@example.com", password: "long enough pw" });
    expect(refused.status).toBe(403); // the right password: told plainly that the account is disabled
    expect(JSON.stringify(await refused.json())).toMatch(/disabled/);
    const guess = await d.req("POST", "/app/api/login", { email: "d@example.com", password: "a wrong guess" });
    expect(guess.status).toBe(401); // a wrong password learns nothing about the account
    expect(JSON.stringify(await guess.json())).not.toMatch(/disabled/);
    await admin.json("PATCH", `/app/api/users/${user.id}`, { disabled: false });
    await d.login("d@example.com", "long enough pw");
    expect((await admin.json("GET", "/app/api/users")).users).toHaveLength(3);
  });

  it("logs out", async () => {
    const { user } = await admin.json("POST", "/app/api/users", { email: "l@example.com", password: "long enough pw", displayName: "L" }, 201);
    expect(user.role).toBe("member");
    const l = new Client(srv.url);
    await l.login("l@example.com", "long enough pw");
    expect((await l.req("POST", "/app/api/logout")).status).toBe(204);
    expect((await l.req("GET", "/app/api/session")).status).toBe(401);
  });
});
