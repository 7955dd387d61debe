import { expect, it } from "vitest";
import { KeysRepo } from "../../src/auth/repo.ts";
import { AuthService } from "../../src/auth/service.ts";
import { describeBackends } from "../store/backends.ts";

describeBackends("api keys", (ctx) => {
  const auth = () => new AuthService(new KeysRepo(ctx.db), { cacheMs: 0 });

  it("creates, authenticates, lists and revokes; rows map to plain types", async () => {
    const a = auth();
    const before = await a.countUsable();
    const { key, secret } = await a.create({ name: "svc", scopes: ["inference", "models"], ratePerMinute: 5, tokenQuota: 100, expiresInDays: 1 });
    expect(key).toMatchObject({ name: "svc", scopes: ["inference", "models"], ratePerMinute: 5, tokenQuota: 100, tokensUsed: 0, revokedAt: null });
    expect(key.createdAt).toBeInstanceOf(Date);
    expect(key.expiresAt!.getTime() - Date.now()).toBeGreaterThan(86_300_000);
    expect((await a.authenticate(secret)).id).toBe(key.id);
    expect(await a.countUsable()).toBe(before + 1);
    expect((await a.list()).map((k) => k.id)).toContain(key.id);
    await a.revoke(key.id);
    await expect(a.authenticate(secret)).rejects.toMatchObject({ code: "unauthorized" });
    expect(await a.countUsable()).toBe(before);
    await expect(a.revoke("missing1")).rejects.toMatchObject({ code: "not_found" });
  });

  it("counts tokens per UTC day: a new day starts from zero", async () => {
    const a = auth();
    const { key, secret } = await a.create({ name: "q", tokenQuota: 10 });
    await a.recordUsage(key.id, 4);
    await a.recordUsage(key.id, 3);
    expect((await a.authenticate(secret)).tokensUsed).toBe(7);
    await ctx.db.query("UPDATE api_keys SET usage_day = usage_day - 1 WHERE id = $1", [key.id]);
    const yesterday = await a.authenticate(secret);
    expect(yesterday.tokensUsed).toBe(0);
    a.checkLimits(yesterday);
    await a.recordUsage(key.id, 10);
    const spent = await a.authenticate(secret);
    expect(spent.tokensUsed).toBe(10);
    expect(() => a.checkLimits(spent)).toThrow(/token quota/);
  });

  it("rejects bad input with invalid_request", async () => {
    const a = auth();
    await expect(a.create({ name: " " })).rejects.toMatchObject({ code: "invalid_request" });
    await expect(a.create({ name: "x", scopes: ["root" as never] })).rejects.toThrow(/unknown scope 'root'/);
    await expect(a.create({ name: "x", scopes: [] })).rejects.toMatchObject({ code: "invalid_request" });
    await expect(a.create({ name: "x", ratePerMinute: 1.5 })).rejects.toThrow(/whole number/);
    await expect(a.create({ name: "x", tokenQuota: -1 })).rejects.toThrow(/positive/);
  });
});
