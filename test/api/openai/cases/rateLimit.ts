import { expect, test } from "vitest";
import { busy, LONG, until, type Ctx } from "../helpers.ts";

const ask = [{ role: "user" as const, content: "Tell me a long story" }];

/** Needs a server with one sequence and no queue. */
export function rateLimitCases(ctx: Ctx) {
  test("a second request gets 429 with Retry-After and OpenAI's error shape", async () => {
    const abort = new AbortController();
    const first = await ctx.ai.chat.completions.create(
      { model: "tiny", messages: ask, ...LONG, stream: true },
      { signal: abort.signal },
    );
    const it = first[Symbol.asyncIterator]();
    await it.next(); // generating now: the only sequence is taken
    for (const stream of [false, true]) {
      const err = await ctx.ai.chat.completions.create({ model: "tiny", messages: ask, max_tokens: 2, stream }).then(() => undefined, (e) => e);
      expect(err).toMatchObject({ status: 429, type: "rate_limit_exceeded" });
      expect(Number(err.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(err.error).toMatchObject({ message: expect.any(String), code: expect.any(String) });
    }
    abort.abort();
    expect(await until(() => busy(ctx.s) === 0, 3000)).toBe(true);
    const ok = await ctx.ai.chat.completions.create({ model: "tiny", messages: ask, max_tokens: 2 });
    expect(ok.choices).toHaveLength(1);
  });
}
