import type OpenAI from "openai";
import { describe, expect, test } from "vitest";
import type { Ctx } from "../helpers.ts";

export function chatCases(ctx: Ctx) {
  const ask = [{ role: "user" as const, content: "Say hello" }];

  describe("models", () => {
    test("lists and retrieves, also names with / and :", async () => {
      await ctx.s.app.models.copy("tiny", "acme/tiny:latest");
      const ids = [];
      for await (const m of ctx.ai.models.list()) ids.push(m.id);
      expect(ids).toEqual(expect.arrayContaining(["tiny", "tiny-moe", "acme/tiny:latest"]));
      const m = await ctx.ai.models.retrieve("acme/tiny:latest");
      expect(m).toMatchObject({ id: "acme/tiny:latest", object: "model", owned_by: "freehold" });
      await expect(ctx.ai.models.retrieve("nope")).rejects.toMatchObject({ status: 404 });
    });
  });

  describe("chat completions", () => {
    test("under load too: a turn that arrives while another stream generates reuses the conversation's tokens", async () => {
      const turn1 = [{ role: "system" as const, content: "Be terse." }, { role: "user" as const, content: "Copper orchards and violet harbors." }];
      // A stream of another request keeps the model busy through both turns.
      const busy = await ctx.ai.completions.create({ model: "tiny", prompt: "Once upon a time", max_tokens: 900, temperature: 0, stream: true });
      let streaming = true;
      const drained = (async () => { for await (const _ of busy) { /* read to the end */ } streaming = false; })();
      const first = await ctx.ai.chat.completions.create({ model: "tiny", messages: turn1, max_tokens: 8, temperature: 0 });
      const turn2 = [...turn1, { role: "assistant" as const, content: first.choices[0].message.content ?? "" }, { role: "user" as const, content: "More?" }];
      const second = await ctx.ai.chat.completions.create({ model: "tiny", messages: turn2, max_tokens: 8, temperature: 0 });
      expect(streaming).toBe(true); // the premise: both turns ran while the stream generated
      expect(second.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThanOrEqual(first.usage!.prompt_tokens - 1);
      await drained;
    });

    test("a conversation's next turn reports the prompt tokens it reused (prompt_tokens_details.cached_tokens)", async () => {
      const turn1 = [{ role: "system" as const, content: "Be brief." }, { role: "user" as const, content: "Tell me about rivers and stones." }];
      const first = await ctx.ai.chat.completions.create({ model: "tiny", messages: turn1, max_tokens: 8, temperature: 0 });
      const turn2 = [...turn1, { role: "assistant" as const, content: first.choices[0].message.content ?? "" }, { role: "user" as const, content: "And lanterns?" }];
      const second = await ctx.ai.chat.completions.create({ model: "tiny", messages: turn2, max_tokens: 8, temperature: 0 });
      expect(second.usage!.prompt_tokens_details!.cached_tokens).toBeGreaterThanOrEqual(first.usage!.prompt_tokens - 1);
      expect(second.usage!.prompt_tokens_details!.cached_tokens).toBeLessThan(second.usage!.prompt_tokens);
    });

    test("non-streaming: an answer with exact usage", async () => {
      const r = await ctx.ai.chat.completions.create({ model: "tiny", messages: ask, max_tokens: 8, seed: 1 });
      expect(r.object).toBe("chat.completion");
      expect(r.id).toMatch(/^chatcmpl-/);
      expect(r.choices).toHaveLength(1);
      expect(r.choices[0].message.role).toBe("assistant");
      expect(typeof r.choices[0].message.content).toBe("string");
      expect(["stop", "length"]).toContain(r.choices[0].finish_reason);
      const u = r.usage!;
      expect(u.prompt_tokens).toBeGreaterThan(0);
      expect(u.completion_tokens).toBeGreaterThan(0);
      expect(u.completion_tokens).toBeLessThanOrEqual(8);
      expect(u.total_tokens).toBe(u.prompt_tokens + u.completion_tokens);
    });

    test("streaming: deltas concatenate to the same answer, usage chunk last", async () => {
      const params = { model: "tiny", messages: ask, max_tokens: 12, seed: 5, temperature: 0.8 };
      const whole = await ctx.ai.chat.completions.create(params);
      const stream = await ctx.ai.chat.completions.create({ ...params, stream: true, stream_options: { include_usage: true } });
      const chunks: OpenAI.ChatCompletionChunk[] = [];
      for await (const c of stream) chunks.push(c);
      expect(new Set(chunks.map((c) => `${c.id} ${c.created} ${c.model}`)).size).toBe(1);
      expect(chunks.every((c) => c.object === "chat.completion.chunk")).toBe(true);
      expect(chunks[0].choices[0].delta.role).toBe("assistant");
      const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
      expect(text).toBe(whole.choices[0].message.content);
      const finish = chunks.at(-2)!;
      expect(finish.choices[0].finish_reason).toBe(whole.choices[0].finish_reason);
      expect(finish.choices[0].delta).toEqual({});
      const last = chunks.at(-1)!;
      expect(last.choices).toEqual([]);
      expect(last.usage).toEqual(whole.usage);
    });

    test("n choices, also streamed with indexes", async () => {
      const r = await ctx.ai.chat.completions.create({ model: "tiny", messages: ask, max_tokens: 4, n: 3, seed: 2 });
      expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2]);
      const stream = await ctx.ai.chat.completions.create({ model: "tiny", messages: ask, max_tokens: 4, n: 2, seed: 2, stream: true });
      const finished = new Set<number>();
      const texts = ["", ""];
      for await (const c of stream) {
        for (const ch of c.choices) {
          texts[ch.index] += ch.delta.content ?? "";
          if (ch.finish_reason) finished.add(ch.index);
        }
      }
      expect([...finished].sort()).toEqual([0, 1]);
      expect(texts).toEqual(r.choices.slice(0, 2).map((c) => c.message.content));
    });

    test("same seed, same text (temperature > 0)", async () => {
      const p = { model: "tiny", messages: ask, max_tokens: 16, seed: 1234, temperature: 1.2 };
      const [a, b] = [await ctx.ai.chat.completions.create(p), await ctx.ai.chat.completions.create(p)];
      expect(a.choices[0].message.content).toBe(b.choices[0].message.content);
    });

    test("the MoE model answers too", async () => {
      const r = await ctx.ai.chat.completions.create({ model: "tiny-moe", messages: ask, max_tokens: 4 });
      expect(r.usage!.completion_tokens).toBeGreaterThan(0);
    });

    test("logprobs come in OpenAI's shape (more in chatLogprobs.test.ts)", async () => {
      const p = { model: "tiny", messages: ask, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 2 };
      const r = await ctx.ai.chat.completions.create(p);
      const lp = r.choices[0].logprobs!.content!;
      // The answer's tokens: not the end-of-generation token, nor a partial character cut off at max_tokens.
      expect(lp.length).toBeGreaterThan(0);
      expect(lp.length).toBeLessThanOrEqual(r.usage!.completion_tokens);
      expect(lp[0]).toMatchObject({ token: expect.any(String), logprob: expect.any(Number), bytes: expect.any(Array) });
      expect(lp[0].top_logprobs).toHaveLength(2);
    });
  });
}
