import { expect, test } from "vitest";
import { busy, LONG, post, until, type Ctx } from "../helpers.ts";

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
    // Streamed Responses and Anthropic requests wait for their first output before sending
    // headers, so a full queue is still a 429 in each API's own error shape.
    const responses = await post(ctx.s.url, "/v1/responses", { model: "tiny", input: "hi", stream: true });
    expect(responses.status).toBe(429);
    expect(responses.json.error).toMatchObject({ type: "rate_limit_exceeded" });
    const messages = await post(ctx.s.url, "/v1/messages", { model: "tiny", max_tokens: 5, messages: [{ role: "user", content: "hi" }], stream: true });
    expect(messages.status).toBe(429);
    expect(messages.json).toMatchObject({ type: "error", error: { type: "rate_limit_error" } });
    abort.abort();
    expect(await until(() => busy(ctx.s) === 0, 10_000)).toBe(true);
    const ok = await ctx.ai.chat.completions.create({ model: "tiny", messages: ask, max_tokens: 2 });
    expect(ok.choices).toHaveLength(1);
  });
}
