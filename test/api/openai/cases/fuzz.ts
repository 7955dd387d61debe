import { expect, test } from "vitest";
import { BASES, mutator, rng } from "../fuzzBodies.ts";
import { post, sdk, type Ctx } from "../helpers.ts";

/**
 * ~2,000 malformed bodies from a seeded generator mutating valid requests. Every answer must be a
 * client error with a JSON error body (or, for a mutation that left the body valid, a normal
 * answer): never a 5xx, never a hang. The budget stays tiny so accidental valid bodies are cheap.
 */
export function fuzzCases(ctx: Ctx) {
  test("2,000 malformed bodies: only 4xx with JSON errors, then the server still answers", async () => {
    const r = rng(20240601);
    const next = mutator(r);
    const tally: Record<number, number> = {};
    for (let i = 0; i < 2000; i++) {
      const [path, base] = BASES[i % BASES.length];
      const body = next(base);
      const res = await post(ctx.s.url, path, body, { raw: true, timeoutMs: 10_000 });
      tally[res.status] = (tally[res.status] ?? 0) + 1;
      const where = `#${i} ${path} ${String(typeof body === "string" ? body.slice(0, 300) : "<bytes>")} → ${res.status} ${res.text.slice(0, 300)}`;
      expect(res.status, where).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.json?.error?.message, where).toEqual(expect.any(String));
        expect(res.json.error.type, where).toEqual(expect.any(String));
      }
    }
    const clientErrors = Object.entries(tally).filter(([k]) => Number(k) >= 400).reduce((n, [, v]) => n + v, 0);
    expect(clientErrors).toBeGreaterThan(1600);
    const ok = await sdk(ctx.s.url).chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 3 });
    expect(ok.choices[0].message.role).toBe("assistant");
  }, 120_000);
}
