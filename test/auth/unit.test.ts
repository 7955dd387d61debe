import { describe, expect, test } from "vitest";
import type { App } from "../../src/app.ts";
import { authDecision, isLoopback } from "../../src/auth/decision.ts";
import { authNotice } from "../../src/auth/notice.ts";
import type { FreeholdConfig } from "../../src/config.ts";
import { serverLimits } from "../../src/auth/limits.ts";
import { RateLimiter } from "../../src/auth/rateLimit.ts";
import { hasScope } from "../../src/auth/scopes.ts";
import { hashSecret, newKeyId, newSecret, parseSecret, secretMatches } from "../../src/auth/secret.ts";

describe("when auth is required", () => {
  test("loopback runs open by default", () => {
    for (const h of ["127.0.0.1", "127.8.9.10", "localhost", "::1", "[::1]", "::ffff:127.0.0.1"]) {
      expect(isLoopback(h), h).toBe(true);
      expect(authDecision(h, {}).required, h).toBe(false);
    }
  });

  test("anything beyond loopback requires keys: 0.0.0.0, ::, a LAN address, a name", () => {
    for (const h of ["0.0.0.0", "::", "192.168.1.5", "10.0.0.1", "example.com", "128.0.0.1"]) {
      expect(isLoopback(h), h).toBe(false);
      expect(authDecision(h, {}), h).toEqual({ required: true });
    }
    expect(authDecision("0.0.0.0", undefined).required).toBe(true);
  });

  test("requireAuth closes loopback too; insecureNoAuth opens a public bind with a loud warning", () => {
    expect(authDecision("127.0.0.1", { requireAuth: true }).required).toBe(true);
    const open = authDecision("0.0.0.0", { insecureNoAuth: true });
    expect(open.required).toBe(false);
    expect(open.warning).toMatch(/WARNING: listening on 0\.0\.0\.0 WITHOUT authentication/);
    expect(authDecision("0.0.0.0", { requireAuth: true, insecureNoAuth: true }).required).toBe(true);
  });

  test("trustProxy without keys is warned about at start: everyone the proxy serves is the local user", async () => {
    const notice = (server: FreeholdConfig["server"], host = "127.0.0.1") => authNotice({ config: { server } } as App, host);
    expect(await notice({})).toEqual([]);
    expect(await notice({ trustProxy: true })).toEqual([expect.stringMatching(/trustProxy is set but API keys are not required/)]);
    expect(await notice({ trustProxy: [] })).toEqual([]);
    expect(await notice({ trustProxy: "127.0.0.1", insecureNoAuth: true }, "0.0.0.0")).toHaveLength(2);
  });
});

describe("secrets", () => {
  test("format fh_<8-char id>_<40 base62 chars>, parse and constant-time match", () => {
    const id = newKeyId();
    const secret = newSecret(id);
    expect(secret).toMatch(/^fh_[0-9A-Za-z]{8}_[0-9A-Za-z]{40}$/);
    expect(parseSecret(secret)).toEqual({ id });
    expect(secretMatches(secret, hashSecret(secret))).toBe(true);
    expect(secretMatches(secret.slice(0, -1) + (secret.endsWith("a") ? "b" : "a"), hashSecret(secret))).toBe(false);
    expect(secretMatches(secret, "abc")).toBe(false);
    for (const bad of ["", "sk-123", `fh_${id}`, `fh_${id}_short`, `fh_${id}_${"x".repeat(40)}!`]) expect(parseSecret(bad)).toBeUndefined();
    expect(new Set(Array.from({ length: 200 }, newKeyId)).size).toBe(200);
  });
});

test("scopes: admin covers everything, 'any' needs only a valid key", () => {
  expect(hasScope(["inference"], "inference")).toBe(true);
  expect(hasScope(["inference"], "models")).toBe(false);
  expect(hasScope(["models"], "inference")).toBe(false);
  expect(hasScope(["admin"], "models")).toBe(true);
  expect(hasScope(["models"], "any")).toBe(true);
});

test("token bucket: a minute's allowance as burst, continuous refill, Retry-After in whole seconds", () => {
  let now = 0;
  const rl = new RateLimiter(() => now);
  expect([rl.take("k", 3), rl.take("k", 3), rl.take("k", 3)]).toEqual([0, 0, 0]);
  expect(rl.take("k", 3)).toBe(20); // one request per 20 s
  now += 10_000;
  expect(rl.take("k", 3)).toBe(10);
  now += 10_000;
  expect(rl.take("k", 3)).toBe(0);
  expect(rl.take("other", 3)).toBe(0); // per key
});

test("server limits: 8 MB body by default, config values, nonsense rejected", () => {
  expect(serverLimits()).toEqual({ bodyLimitBytes: 8 * 1024 * 1024, maxTokensCap: undefined });
  expect(serverLimits({ bodyLimitBytes: 1000, maxTokensCap: 64 })).toEqual({ bodyLimitBytes: 1000, maxTokensCap: 64 });
  expect(() => serverLimits({ maxTokensCap: -1 })).toThrow(/maxTokensCap must be a positive integer/);
});
