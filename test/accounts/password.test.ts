import { describe, expect, it } from "vitest";
import { LoginLimiter } from "../../src/accounts/loginLimiter.ts";
import { hashPassword, verifyPassword } from "../../src/accounts/password.ts";

describe("passwords", () => {
  it("hashes with salted scrypt and verifies in constant time", async () => {
    const a = await hashPassword("hunter2 hunter2");
    const b = await hashPassword("hunter2 hunter2");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w+/=]+\$[\w+/=]+$/);
    expect(a).not.toBe(b); // salted
    expect(await verifyPassword("hunter2 hunter2", a)).toBe(true);
    expect(await verifyPassword("hunter3 hunter3", a)).toBe(false);
    expect(await verifyPassword("x", "md5$abc")).toBe(false);
  });
});

describe("login limiter", () => {
  it("blocks after 5 failures within the window and reports the wait", () => {
    let now = 0;
    const l = new LoginLimiter(5, 60_000, () => now);
    for (let i = 0; i < 5; i++) { expect(l.retryAfter("k")).toBe(0); l.fail("k"); }
    expect(l.retryAfter("k")).toBe(60);
    expect(l.retryAfter("other")).toBe(0);
    now = 30_000;
    expect(l.retryAfter("k")).toBe(30);
    now = 60_001;
    expect(l.retryAfter("k")).toBe(0);
    l.fail("k"); l.succeed("k");
    expect(l.retryAfter("k")).toBe(0);
  });
});
