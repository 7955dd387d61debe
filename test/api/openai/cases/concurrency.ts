import Anthropic from "@anthropic-ai/sdk";
import { expect, test } from "vitest";
import { busy, LONG, until, type Ctx } from "../helpers.ts";

const ask = [{ role: "user" as const, content: "Tell me a long story" }];

export function concurrencyCases(ctx: Ctx) {
  test("8 concurrent streams all complete", async () => {
    const one = async (i: number) => {
      const stream = await ctx.ai.chat.completions.create({ model: "tiny", messages: ask, max_tokens: 16, seed: i, stream: true });
      let finish: string | null = null;
      for await (const c of stream) finish = c.choices[0]?.finish_reason ?? finish;
      return finish;
    };
    const all = await Promise.all(Array.from({ length: 8 }, (_, i) => one(i)));
    for (const finish of all) expect(["stop", "length"]).toContain(finish);
  });

  test("24 clients streaming answers of mixed lengths back to back on 16 sequences (queue 16): none refused", async () => {
    // A finished sequence is cleared between decodes (src/runtime/clearing.ts). Before, it waited
    // for every other stream to end, so most "busy" sequences were idle and the queue overflowed.
    const refused: string[] = [];
    let answers = 0;
    const client = async (c: number) => {
      for (let k = 0; k < 5; k++) {
        try {
          const stream = await ctx.ai.chat.completions.create({ model: "tiny", messages: ask, max_tokens: 16 + ((c * 5 + k) * 37) % 105, seed: c, stream: true });
          for await (const _ of stream) { /* read to the end */ }
          answers++;
        } catch (e) {
          refused.push(String((e as Error).message));
        }
      }
    };
    await Promise.all(Array.from({ length: 24 }, (_, c) => client(c)));
    expect(refused).toEqual([]);
    expect(answers).toBe(120);
  }, 60_000);

  test("a client that aborts mid-stream frees its sequence", async () => {
    const abort = new AbortController();
    const stream = await ctx.ai.chat.completions.create(
      { model: "tiny", messages: ask, ...LONG, stream: true },
      { signal: abort.signal },
    );
    let chunks = 0;
    let busyBefore = 0;
    try {
      for await (const _ of stream) {
        if (++chunks < 3) continue;
        busyBefore = busy(ctx.s);
        abort.abort();
        break; // events of one network read are already parsed: the SDK would still yield them
      }
    } catch {
      // the SDK may end the iteration quietly or throw an abort error: either is fine
    }
    expect(chunks).toBe(3);
    expect(busyBefore).toBe(1);
    const t0 = Date.now();
    expect(await until(() => busy(ctx.s) === 0, 10_000)).toBe(true);
    expect(Date.now() - t0).toBeLessThan(1000); // 1,900 tokens take ~4.5 s here
  });

  // The Responses API and Anthropic's Messages API stream on the same path: leaving frees the sequence too.
  // (Neither wire has logit_bias to ban the end token; greedy "Hi" runs on for ~2,000 tokens on this model.)
  test("a client that leaves a Responses or Anthropic stream mid-way frees its sequence", async () => {
    const claude = new Anthropic({ baseURL: ctx.s.url, apiKey: "unused", maxRetries: 0 });
    const streams = [
      (signal: AbortSignal) => ctx.ai.responses.create({ model: "tiny", input: "Hi", max_output_tokens: 1900, temperature: 0, stream: true }, { signal }),
      (signal: AbortSignal) => claude.messages.create({ model: "tiny", messages: [{ role: "user", content: "Hi" }], max_tokens: 1900, stream: true, temperature: 0 } as never, { signal }),
    ];
    for (const open of streams) {
      const abort = new AbortController();
      let events = 0;
      let busyBefore = 0;
      try {
        for await (const _ of (await open(abort.signal)) as AsyncIterable<unknown>) {
          if (++events < 6) continue;
          busyBefore = busy(ctx.s);
          abort.abort();
          break;
        }
      } catch {
        // ended quietly or by an abort error: either is fine
      }
      expect(busyBefore).toBe(1);
      const t0 = Date.now();
      expect(await until(() => busy(ctx.s) === 0, 10_000)).toBe(true);
      expect(Date.now() - t0).toBeLessThan(1000);
    }
  });
}
