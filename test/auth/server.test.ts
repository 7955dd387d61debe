import { Ollama } from "ollama";
import OpenAI, { AuthenticationError, BadRequestError, PermissionDeniedError, RateLimitError } from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { NewKey } from "../../src/auth/types.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startServer({
    models: { tiny: { shape: "tiny" } },
    config: { server: { requireAuth: true, maxTokensCap: 16, bodyLimitBytes: 64 * 1024 } },
  });
});
afterAll(() => s?.close());

const client = (apiKey: string, headers: Record<string, string | null> = {}) =>
  new OpenAI({ baseURL: `${s.url}/v1`, apiKey, maxRetries: 0, timeout: 30_000, defaultHeaders: headers });
const key = async (k: Partial<NewKey> = {}) => s.app.auth.create({ name: "test", ...k });
const ask = { model: "tiny", messages: [{ role: "user" as const, content: "hi" }], max_tokens: 2 };
const get = (path: string, headers: Record<string, string> = {}) => fetch(s.url + path, { headers });

describe("authentication", () => {
  test("no key: 401 with WWW-Authenticate, in OpenAI's shape on /v1 and Ollama's on /api", async () => {
    const noKey = client("unused", { Authorization: null });
    await expect(noKey.models.list()).rejects.toBeInstanceOf(AuthenticationError);
    const v1 = await get("/v1/models");
    expect(v1.status).toBe(401);
    expect(v1.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await v1.json()).error).toMatchObject({ type: "authentication_error", code: "invalid_api_key" });
    const api = await get("/api/tags");
    expect(api.status).toBe(401);
    expect(await api.json()).toEqual({ error: expect.stringMatching(/missing API key/) });
  });

  test("a wrong key is 401; a valid one works (Bearer or x-api-key)", async () => {
    await expect(client("sk-not-ours").models.list()).rejects.toBeInstanceOf(AuthenticationError);
    const { secret } = await key();
    const forged = secret.slice(0, -4) + "AAAA";
    await expect(client(forged).models.list()).rejects.toBeInstanceOf(AuthenticationError);
    const ai = client(secret);
    expect((await ai.models.list()).data.map((m) => m.id)).toContain("tiny");
    const r = await ai.chat.completions.create(ask);
    expect(r.choices[0].message.role).toBe("assistant");
    expect((await get("/v1/models", { "x-api-key": secret })).status).toBe(200);
  });

  test("revoked and expired keys are 401", async () => {
    const { key: k, secret } = await key();
    const ai = client(secret);
    await ai.models.list();
    await s.app.auth.revoke(k.id);
    await expect(ai.models.list()).rejects.toThrow(/revoked/);
    await expect(ai.models.list()).rejects.toBeInstanceOf(AuthenticationError);

    const expiring = await key({ expiresInDays: 1e-7 }); // ~9 ms
    await new Promise((r) => setTimeout(r, 30));
    await expect(client(expiring.secret).models.list()).rejects.toThrow(/expired/);
  });

  test("/health and /ready stay open; /metrics and unknown /v1 routes need a key", async () => {
    expect((await get("/health")).status).toBe(200);
    expect((await get("/ready")).status).toBe(200);
    expect((await get("/metrics")).status).toBe(401);
    expect((await get("/v1/nope")).status).toBe(401);
    const { secret } = await key({ scopes: ["models"] });
    expect((await get("/v1/nope", { authorization: `Bearer ${secret}` })).status).toBe(404);
    expect((await get("/metrics", { authorization: `Bearer ${secret}` })).status).not.toBe(401);
  });
  test("API routes outside /v1 and /api need a key too: llama.cpp's server's and the rerank paths", async () => {
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(s.url + path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ model: "tiny", query: "q", documents: ["d"], prompt: "hi", content: "hi" }) });
    const { secret } = await key({ scopes: ["inference"] });
    for (const path of ["/completion", "/tokenize", "/rerank", "/reranking", "/v1/reranking", "/v2/rerank", "/lora-adapters", "/slots/0?action=save"]) {
      expect((await post(path)).status, path).toBe(401);
      expect((await post(path, { authorization: `Bearer ${secret}` })).status, path).not.toBe(401);
    }
    for (const path of ["/slots", "/lora-adapters?model=tiny", "/props"]) {
      expect((await fetch(s.url + path)).status, path).toBe(401);
      expect((await fetch(s.url + path, { headers: { authorization: `Bearer ${secret}` } })).status, path).toBe(200);
    }
  });
});

describe("scopes", () => {
  test("a key without `inference` gets 403 on generation; with it, 403 on model management", async () => {
    const models = await key({ scopes: ["models"] });
    await expect(client(models.secret).chat.completions.create(ask)).rejects.toBeInstanceOf(PermissionDeniedError);
    const ollama = new Ollama({ host: s.url, headers: { Authorization: `Bearer ${models.secret}` } });
    await expect(ollama.list()).rejects.toMatchObject({ status_code: 403, error: expect.stringMatching(/'inference' scope/) });

    const inference = await key({ scopes: ["inference"] });
    const asUser = new Ollama({ host: s.url, headers: { Authorization: `Bearer ${inference.secret}` } });
    expect((await asUser.list()).models.map((m) => m.name)).toContain("tiny:latest");
    await expect(asUser.copy({ source: "tiny", destination: "tiny2" })).rejects.toMatchObject({ status_code: 403 });

    const admin = await key({ scopes: ["admin"] });
    const asAdmin = new Ollama({ host: s.url, headers: { Authorization: `Bearer ${admin.secret}` } });
    await asAdmin.copy({ source: "tiny", destination: "tiny2" });
    await asAdmin.delete({ model: "tiny2" });
    await client(admin.secret).chat.completions.create(ask);
  });
});

describe("limits", () => {
  test("rate limit: 429 with Retry-After once a key's requests per minute are used", async () => {
    const { secret } = await key({ ratePerMinute: 2 });
    const ai = client(secret);
    await ai.models.list();
    await ai.models.list();
    const err = await ai.models.list().catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(Number(err.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(err.headers.get("retry-after"))).toBeLessThanOrEqual(30);
    expect(err.message).toMatch(/2 requests per minute/);
    await client((await key()).secret).models.list(); // other keys are unaffected
  });

  test("token quota: recorded usage counts; once exhausted, 429 until the UTC day ends", async () => {
    const { key: k, secret } = await key({ tokenQuota: 10 });
    const ai = client(secret);
    await ai.models.list();
    await s.app.auth.recordUsage(k.id, 6);
    await ai.models.list();
    await s.app.auth.recordUsage(k.id, 4);
    const err = await ai.chat.completions.create(ask).catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.message).toMatch(/used its token quota for today \(10 of 10 tokens\)/);
    expect(Number(err.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(err.headers.get("retry-after"))).toBeLessThanOrEqual(86_400);
    expect((await s.app.auth.list()).find((x) => x.id === k.id)?.tokensUsed).toBe(10);
    await s.app.auth.recordUsage(undefined, 5); // open server / open route: no-op
  });

  test("max_tokens above config.server.maxTokensCap is a 400; a body over bodyLimitBytes a 413", async () => {
    const { secret } = await key();
    const ai = client(secret);
    await expect(ai.chat.completions.create({ ...ask, max_tokens: 17 })).rejects.toBeInstanceOf(BadRequestError);
    await expect(ai.chat.completions.create({ ...ask, max_tokens: 17 })).rejects.toThrow(/limit \(16 tokens\)/);
    const big = { ...ask, messages: [{ role: "user", content: "x".repeat(100 * 1024) }] };
    const post = (headers: Record<string, string>) =>
      fetch(`${s.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(big) });
    expect((await post({})).status).toBe(401); // no key: refused before the body is read
    const r = await post({ authorization: `Bearer ${secret}` });
    expect(r.status).toBe(413);
    expect((await r.json()).error.code).toBe("payload_too_large");
  });
});

test("keys are stored hashed: no secret appears anywhere in the table", async () => {
  const created = await Promise.all([key(), key({ scopes: ["admin"] })]);
  const rows = await s.app.db.query("SELECT * FROM api_keys");
  const dump = JSON.stringify(rows);
  for (const { secret, key: k } of created) {
    expect(dump).not.toContain(secret);
    expect(dump).not.toContain(secret.split("_")[2]);
    expect(dump).toContain(k.id);
  }
  const listed = JSON.stringify(await s.app.auth.list());
  expect(listed).not.toMatch(/hash|fh_/);
});

describe("/v1/keys and /v1/upstreams (admin)", () => {
  const send = (secret: string, method: string, path: string, body?: unknown) =>
    fetch(s.url + path, { method, headers: { authorization: `Bearer ${secret}`, ...(body === undefined ? {} : { "content-type": "application/json" }) }, body: body === undefined ? undefined : JSON.stringify(body) });

  test("an admin key creates, lists and revokes keys; the new secret works once created and stops when revoked", async () => {
    const { secret: admin } = await key({ scopes: ["admin"] });
    const made = await send(admin, "POST", "/v1/keys", { name: "bot", scopes: ["inference"], tokenQuota: 1000, expiresInDays: 7 });
    expect(made.status).toBe(201);
    const { key: k, secret } = await made.json();
    expect(k).toMatchObject({ name: "bot", scopes: ["inference"], tokenQuota: 1000, ratePerMinute: null, revokedAt: null });
    expect(new Date(k.expiresAt).getTime() - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    expect((await client(secret).models.list()).data.map((m) => m.id)).toContain("tiny");
    const { keys } = await (await send(admin, "GET", "/v1/keys")).json();
    expect(keys.find((x: { id: string }) => x.id === k.id)).toMatchObject({ name: "bot" });
    expect(JSON.stringify(keys)).not.toMatch(/hash|fh_/);

    // An inference key cannot manage keys: it could otherwise mint itself an admin one.
    const refused = await send(secret, "POST", "/v1/keys", { name: "escalate", scopes: ["admin"] });
    expect(refused.status).toBe(403);
    expect(await send(admin, "DELETE", `/v1/keys/${k.id}`).then((r) => r.json())).toMatchObject({ key: { id: k.id, revokedAt: expect.any(String) } });
    await expect(client(secret).models.list()).rejects.toBeInstanceOf(AuthenticationError);
    expect((await send(admin, "DELETE", "/v1/keys/nokey123")).status).toBe(404);
  });

  test("bad bodies are precise 400s in OpenAI's shape", async () => {
    const { secret: admin } = await key({ scopes: ["admin"] });
    for (const [path, body, message] of [
      ["/v1/keys", { name: "x", scopes: ["root"] }, /scopes\.0/],
      ["/v1/keys", { name: "x", ratePerMinute: 1.5 }, /ratePerMinute/],
      ["/v1/keys", { scopes: ["admin"] }, /name/],
      ["/v1/keys", { name: "x", secret: "mine" }, /secret/],
      ["/v1/upstreams", { name: "../etc", baseUrl: "http://127.0.0.1:9/v1" }, /invalid model name/],
      ["/v1/upstreams", { name: "u", baseUrl: "ftp://host" }, /http/],
      ["/v1/upstreams", { name: "u", baseUrl: "http://127.0.0.1:9/v1", apiKey: "k", apiKeyEnv: "K" }, /not both/],
    ] as const) {
      const r = await send(admin, "POST", path, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      const { error } = await r.json();
      expect(error.type).toBe("invalid_request_error");
      expect(error.message, JSON.stringify(body)).toMatch(message);
    }
    const malformed = await fetch(`${s.url}/v1/keys`, { method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: "{" });
    expect(malformed.status).toBe(400);
  });

  test("an upstream added over HTTP is served under its name; its key never comes back; removing it by a name with a slash", async () => {
    const { secret: admin } = await key({ scopes: ["admin"] });
    const added = await send(admin, "POST", "/v1/upstreams", { name: "acme/big", baseUrl: "http://127.0.0.1:9/v1", apiKey: "sk-remote-secret", remoteModel: "big-70b" });
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ upstream: { name: "acme/big", remoteModel: "big-70b", key: "encrypted", source: "store" } });
    const listed = await (await send(admin, "GET", "/v1/upstreams")).text();
    expect(listed).toContain("acme/big");
    expect(listed).not.toContain("sk-remote-secret");
    expect((await client(admin).models.list()).data.map((m) => m.id)).toContain("acme/big");
    expect((await send(admin, "POST", "/v1/upstreams", { name: "acme/big", baseUrl: "http://127.0.0.1:9/v1" })).status).toBe(409);
    expect(await (await send(admin, "DELETE", "/v1/upstreams/acme%2Fbig")).json()).toEqual({ deleted: "acme/big" });
    expect((await send(admin, "DELETE", "/v1/upstreams/acme/big")).status).toBe(404);
  });
});
