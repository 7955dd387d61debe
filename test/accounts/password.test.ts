import { describe, expect, it } from "vitest";
import { LoginLimiter, LoginLimits } from "../../src/accounts/loginLimiter.ts";
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
  it("blocks after 5 attempts within the window and reports the wait; a success takes its attempt back", () => {
    let now = 0;
    const l = new LoginLimiter(5, 60_000, () => now);
    for (let i = 0; i < 5; i++) { expect(l.retryAfter("k")).toBe(0); l.begin("k"); }
    expect(l.retryAfter("k")).toBe(60);
    expect(l.retryAfter("other")).toBe(0);
    now = 30_000;
    expect(l.retryAfter("k")).toBe(30);
    now = 60_001;
    expect(l.retryAfter("k")).toBe(0);
    for (let i = 0; i < 4; i++) l.begin("k");
    l.begin("k")(); // taken back
    expect(l.retryAfter("k")).toBe(0);
    l.clear("k");
    expect(l.retryAfter("k")).toBe(0);
  });

  it("counts attempts before their outcome, per email and address, per address, per email", () => {
    const limits = new LoginLimits();
    // Five guesses in flight at once: the sixth is refused before any of them failed.
    for (let i = 0; i < 5; i++) expect(limits.begin("a@x", "1.1.1.1").wait).toBe(0);
    expect(limits.begin("a@x", "1.1.1.1").wait).toBeGreaterThan(0);
    // One address spraying many accounts: 30 attempts, then refused for any email.
    for (let i = 0; i < 25; i++) limits.begin(`u${i}@x`, "1.1.1.1").done!(false);
    expect(limits.begin("fresh@x", "1.1.1.1").wait).toBeGreaterThan(0);
    // One account from many addresses: 30 attempts, then refused from anywhere.
    for (let i = 0; i < 30; i++) limits.begin("b@x", `2.2.2.${i}`).done!(false);
    expect(limits.begin("b@x", "3.3.3.3").wait).toBeGreaterThan(0);
    // Successful logins do not use up an address's allowance.
    for (let i = 0; i < 40; i++) limits.begin(`ok${i}@x`, "4.4.4.4").done!(true);
    expect(limits.begin("ok@x", "4.4.4.4").wait).toBe(0);
  });
});
