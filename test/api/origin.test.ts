/**
 * Browsers and proxies (src/api/origin.ts, docs/auth.md): foreign origins, DNS rebinding,
 * proxied requests to an open server, JSONL imports as text/plain, and trustProxy's Secure cookie.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, describe, expect, test } from "vitest";
import { buildServer } from "../../src/api/server.ts";
import type { FreeholdConfig } from "../../src/config.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => { s = await startServer({ models: { tiny: { shape: "tiny" } } }); });
afterAll(() => s?.close());

const EVIL = "https://evil.example";
const suite = JSON.stringify({ id: "q1", prompt: "say 1", expected: "1" });

/** Another server over the same app with its own `server` config, answered through inject. */
const built: FastifyInstance[] = [];
afterEach(async () => { await Promise.all(built.splice(0).map((b) => b.close())); });
async function serverWith(server: FreeholdConfig["server"], host = "127.0.0.1"): Promise<FastifyInstance> {
  const b = await buildServer({ ...s.app, config: { ...s.app.config, server } }, { host });
  built.push(b);
  return b;
}
const HOST = "127.0.0.1:11435";
const inject = (b: FastifyInstance, method: string, url: string, headers: Record<string, string> = {}, payload?: string) =>
  b.inject({ method: method as "GET", url, headers: { host: HOST, ...headers }, payload });

describe("cross-origin requests", () => {
  test("a page on another site cannot write without a preflight: no-cors text/plain POSTs are refused", async () => {
    const post = (path: string, body: unknown, origin = EVIL) => fetch(s.url + path, {
      method: "POST", headers: { origin, "content-type": "text/plain" }, body: typeof body === "string" ? body : JSON.stringify(body),
    });
    const copy = await post("/api/copy", { source: "tiny", destination: "stolen" });
    expect(copy.status).toBe(403);
    expect(await copy.json()).toEqual({ error: expect.stringMatching(/cross-origin request from https:\/\/evil\.example refused/) });
    expect((await s.app.models.list()).map((m) => m.name)).toEqual(["tiny"]);
    const pull = await post("/api/pull", { model: "hf:a/b" });
    expect(pull.status).toBe(403);
    const suites = await post("/v1/evals/suites", suite);
    expect(suites.status).toBe(403);
    expect((await suites.json()).error).toMatchObject({ type: "permission_error", code: "forbidden" });
    expect((await post("/v1/arena/import", "{}")).status).toBe(403);
    expect((await post("/app/api/signup", { email: "e@evil.example", password: "correct horse battery", displayName: "E" })).status).toBe(403);
    expect((await post("/api/copy", { source: "tiny", destination: "x" }, "null")).status).toBe(403); // sandboxed frames, file: pages
    expect((await s.app.models.list()).map((m) => m.name)).toEqual(["tiny"]);
  });

  test("reads and the web app too; requests without Origin (SDKs, curl) and the server's own pages pass", async () => {
    for (const path of ["/v1/models", "/api/tags", "/", "/health"]) {
      expect((await fetch(s.url + path, { headers: { origin: EVIL } })).status, path).toBe(403);
    }
    expect((await fetch(`${s.url}/v1/models`)).status).toBe(200);
    const own = await fetch(`${s.url}/api/copy`, { method: "POST", headers: { origin: s.url }, body: JSON.stringify({ source: "tiny", destination: "mine" }) });
    expect(own.status).toBe(200);
    await s.app.models.remove("mine");
    // Same scheme, host and port as the Host header, default ports and case folded.
    const b = await serverWith({});
    expect((await inject(b, "GET", "/v1/models", { host: "localhost", origin: "http://LOCALHOST:80" })).statusCode).toBe(200);
    expect((await inject(b, "GET", "/v1/models", { host: "localhost:8080", origin: "http://localhost" })).statusCode).toBe(403);
    expect((await inject(b, "GET", "/v1/models", { origin: `https://${HOST}` })).statusCode).toBe(403);
  });

  test("a server with keys refuses foreign origins too", async () => {
    const b = await serverWith({ requireAuth: true });
    const { secret } = await s.app.auth.create({ name: "origin" });
    const auth = { authorization: `Bearer ${secret}` };
    expect((await inject(b, "GET", "/v1/models", auth)).statusCode).toBe(200);
    expect((await inject(b, "GET", "/v1/models", { ...auth, origin: EVIL })).statusCode).toBe(403);
  });

  test("allowedOrigins (or FREEHOLD_ORIGINS, which wins) lets listed origins call and read, with CORS", async () => {
    const b = await serverWith({ allowedOrigins: ["https://app.example/"] });
    const ok = await inject(b, "GET", "/v1/models", { origin: "https://app.example" });
    expect(ok.statusCode).toBe(200);
    expect(ok.headers).toMatchObject({ "access-control-allow-origin": "https://app.example", vary: "Origin" });
    expect(ok.headers["access-control-allow-credentials"]).toBeUndefined();
    const pre = await inject(b, "OPTIONS", "/v1/chat/completions", {
      origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "authorization, content-type",
    });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers).toMatchObject({ "access-control-allow-methods": "POST", "access-control-allow-headers": "authorization, content-type" });
    expect((await inject(b, "OPTIONS", "/v1/chat/completions", { origin: EVIL, "access-control-request-method": "POST" })).statusCode).toBe(403);
    expect((await inject(b, "GET", "/v1/models", { origin: EVIL })).statusCode).toBe(403);
    // A streamed answer writes its own head (src/api/openai/sse.ts): the CORS and request-id headers come along.
    const streamed = await inject(b, "POST", "/v1/chat/completions", { origin: "https://app.example", "content-type": "application/json", "x-request-id": "req-cors-1" },
      JSON.stringify({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 2, stream: true }));
    expect(streamed.statusCode).toBe(200);
    expect(streamed.headers).toMatchObject({
      "content-type": "text/event-stream; charset=utf-8", "access-control-allow-origin": "https://app.example", vary: "Origin", "x-request-id": "req-cors-1",
    });
    expect(streamed.body).toMatch(/data: \[DONE\]\n\n$/);

    process.env.FREEHOLD_ORIGINS = " chrome-extension://abc , *";
    try {
      const any = await serverWith({ allowedOrigins: ["https://app.example"] });
      expect((await inject(any, "GET", "/v1/models", { origin: EVIL })).statusCode).toBe(200);
      expect((await inject(any, "GET", "/v1/models", { origin: "null" })).statusCode).toBe(200);
    } finally { delete process.env.FREEHOLD_ORIGINS; }
  });
});

describe("DNS rebinding", () => {
  test("an open server answers only to loopback names, IP addresses and its own name", async () => {
    const b = await serverWith({});
    for (const host of ["attacker.example", "attacker.example:11435", "127.0.0.1.nip.io"]) {
      const r = await inject(b, "GET", "/v1/models", { host });
      expect(r.statusCode, host).toBe(403);
      expect(r.json().error.message).toMatch(/not a name of this server/);
      expect((await inject(b, "GET", "/", { host })).statusCode, host).toBe(403);
    }
    for (const host of ["localhost:11435", "LOCALHOST.", "127.0.0.1", "[::1]:11435", "app.localhost", "192.168.1.9"]) {
      expect((await inject(b, "GET", "/v1/models", { host })).statusCode, host).toBe(200);
    }
    const lan = await serverWith({ insecureNoAuth: true, allowedHosts: ["freehold.lan"] }, "box.internal");
    expect((await inject(lan, "GET", "/api/tags", { host: "box.internal:11435" })).statusCode).toBe(200);
    expect((await inject(lan, "GET", "/api/tags", { host: "freehold.lan" })).statusCode).toBe(200);
    expect((await inject(lan, "GET", "/api/tags", { host: "attacker.example" })).statusCode).toBe(403);
    process.env.FREEHOLD_ALLOWED_HOSTS = "other.lan";
    try {
      const env = await serverWith({ allowedHosts: ["freehold.lan"] });
      expect((await inject(env, "GET", "/api/tags", { host: "other.lan" })).statusCode).toBe(200);
      expect((await inject(env, "GET", "/api/tags", { host: "freehold.lan" })).statusCode).toBe(403);
    } finally { delete process.env.FREEHOLD_ALLOWED_HOSTS; }
  });

  test("with keys required any Host passes: the keys protect it", async () => {
    const b = await serverWith({ requireAuth: true });
    const { secret } = await s.app.auth.create({ name: "rebind" });
    expect((await inject(b, "GET", "/v1/models", { host: "attacker.example", authorization: `Bearer ${secret}` })).statusCode).toBe(200);
  });
});

describe("reverse proxies", () => {
  test("an open server without trustProxy refuses proxied requests: everyone behind the proxy would be the local user", async () => {
    const b = await serverWith({});
    const headers: Record<string, string>[] = [{ "x-forwarded-for": "203.0.113.7" }, { forwarded: "for=203.0.113.7;proto=https" }, { "x-real-ip": "203.0.113.7" }];
    for (const h of headers) {
      const r = await inject(b, "GET", "/api/tags", h);
      expect(r.statusCode).toBe(403);
      expect(r.json().error).toMatch(/proxied server must require API keys.*requireAuth.*trustProxy/);
    }
    const keyed = await serverWith({ requireAuth: true });
    expect((await inject(keyed, "GET", "/health", { "x-forwarded-for": "203.0.113.7" })).statusCode).toBe(200);
    expect((await inject(await serverWith({ trustProxy: "127.0.0.1" }), "GET", "/api/tags", { "x-forwarded-for": "203.0.113.7" })).statusCode).toBe(200);
  });

  test("with trustProxy, X-Forwarded-Proto https makes the session cookie Secure and the proxy's origin same-origin", async () => {
    await s.app.accounts.signup({ email: "proxy@example.org", password: "correct horse battery", displayName: "P" });
    const login = JSON.stringify({ email: "proxy@example.org", password: "correct horse battery" });
    const proxied = { "content-type": "application/json", "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https", "x-forwarded-host": "chat.example.org" };
    const cookie = async (b: FastifyInstance, headers: Record<string, string>) => {
      const r = await inject(b, "POST", "/app/api/login", headers, login);
      expect(r.statusCode, r.body).toBe(200);
      return String(r.headers["set-cookie"]);
    };
    const behind = await serverWith({ requireAuth: true, trustProxy: true });
    expect(await cookie(behind, { ...proxied, origin: "https://chat.example.org" })).toMatch(/; Secure$/);
    expect((await inject(behind, "POST", "/app/api/login", { ...proxied, origin: EVIL }, login)).statusCode).toBe(403);
    // Without trustProxy the headers are anyone's to send: ignored.
    const direct = await serverWith({ requireAuth: true });
    expect(await cookie(direct, proxied)).not.toMatch(/Secure/);
    process.env.FREEHOLD_TRUST_PROXY = "true";
    try {
      expect(await cookie(await serverWith({ requireAuth: true }), proxied)).toMatch(/; Secure$/);
    } finally { delete process.env.FREEHOLD_TRUST_PROXY; }
  });
});

describe("JSONL imports", () => {
  test("refuse text/plain (a simple cross-site body); take x-ndjson, jsonl and JSON", async () => {
    const post = (path: string, type: string, body: string) => fetch(s.url + path, { method: "POST", headers: { "content-type": type }, body });
    for (const type of ["text/plain", "text/plain; charset=utf-8"]) {
      const r = await post("/v1/evals/suites", type, suite);
      expect(r.status, type).toBe(400);
      expect((await r.json()).error.message).toMatch(/application\/x-ndjson or application\/jsonl/);
    }
    expect((await post("/v1/arena/import", "text/plain", "{}")).status).toBe(400);
    expect((await post("/v1/evals/suites", "application/x-www-form-urlencoded", suite)).status).toBe(400);
    expect((await post("/v1/evals/suites?name=a.jsonl", "application/x-ndjson", suite)).status).toBe(201);
    expect((await post("/v1/evals/suites?name=b.jsonl", "application/jsonl; charset=utf-8", suite)).status).toBe(201);
    expect((await post("/v1/evals/suites", "application/json", JSON.stringify({ name: "c.jsonl", jsonl: suite }))).status).toBe(201);
  });
});
