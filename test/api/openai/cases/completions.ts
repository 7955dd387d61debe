import type OpenAI from "openai";
import { describe, expect, test } from "vitest";
import { cosine, post, type Ctx } from "../helpers.ts";

export function completionCases(ctx: Ctx) {
  describe("completions", () => {
    test("a text completion with usage", async () => {
      const r = await ctx.ai.completions.create({ model: "tiny", prompt: "Once upon a time", max_tokens: 6, seed: 1 });
      expect(r.object).toBe("text_completion");
      expect(typeof r.choices[0].text).toBe("string");
      expect(["stop", "length"]).toContain(r.choices[0].finish_reason);
      expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    });

    test("prompts × n choices, numbered prompt-major; echo prepends the prompt", async () => {
      const r = await ctx.ai.completions.create({ model: "tiny", prompt: ["a b", "c d"], n: 2, max_tokens: 2, echo: true });
      expect(r.choices.map((c) => c.index)).toEqual([0, 1, 2, 3]);
      expect(r.choices.map((c) => c.text.slice(0, 3))).toEqual(["a b", "a b", "c d", "c d"]);
      // Each prompt counts once, however many choices it has.
      const one = await ctx.ai.completions.create({ model: "tiny", prompt: "a b", max_tokens: 1 });
      const two = await ctx.ai.completions.create({ model: "tiny", prompt: "c d", max_tokens: 1 });
      expect(r.usage!.prompt_tokens).toBe(one.usage!.prompt_tokens + two.usage!.prompt_tokens);
    });

    test("streamed chunks concatenate to the same text", async () => {
      const p = { model: "tiny", prompt: "The sky", max_tokens: 10, seed: 8, temperature: 0.7 };
      const whole = await ctx.ai.completions.create(p);
      let text = "";
      let finish: string | null = null;
      let usage: OpenAI.CompletionUsage | undefined;
      for await (const c of await ctx.ai.completions.create({ ...p, stream: true, stream_options: { include_usage: true } })) {
        expect(c.object).toBe("text_completion");
        text += c.choices[0]?.text ?? "";
        finish = c.choices[0]?.finish_reason ?? finish;
        usage = c.usage ?? usage;
      }
      expect(text).toBe(whole.choices[0].text);
      expect(finish).toBe(whole.choices[0].finish_reason);
      expect(usage).toEqual(whole.usage);
    });

    test("logprobs in the legacy shape: one entry per token, up to k alternatives", async () => {
      const r = await ctx.ai.completions.create({ model: "tiny", prompt: "The sky", max_tokens: 5, logprobs: 2, seed: 3 });
      const lp = r.choices[0].logprobs!;
      expect(lp.tokens!.length).toBeGreaterThan(0);
      expect(lp.token_logprobs).toHaveLength(lp.tokens!.length);
      expect(lp.text_offset).toHaveLength(lp.tokens!.length);
      for (const top of lp.top_logprobs!) expect(Object.keys(top).length).toBeLessThanOrEqual(2);
      for (const v of lp.token_logprobs!) expect(v).toBeLessThanOrEqual(0);
    });

    test("the text continues the prompt: a first token keeps its leading space", async () => {
      let spaced = 0;
      for (let seed = 0; seed < 12; seed++) {
        const r = await ctx.ai.completions.create({ model: "tiny", prompt: `Request ${seed}: river stone`, max_tokens: 1, temperature: 1, seed, logprobs: 0 });
        const first = r.choices[0].logprobs!.tokens![0];
        expect(r.choices[0].text).toBe(first);
        if (first.startsWith(" ")) spaced++;
      }
      expect(spaced).toBeGreaterThan(0);
    });

    test("token-array prompts and suffix are refused", async () => {
      expect((await post(ctx.s.url, "/v1/completions", { model: "tiny", prompt: [1, 2, 3] })).json.error.param).toBe("prompt");
      expect((await post(ctx.s.url, "/v1/completions", { model: "tiny", prompt: "a", suffix: "z" })).status).toBe(400);
    });
  });

  describe("embeddings", () => {
    test("64 dimensions; identical inputs point the same way", async () => {
      const r = await ctx.ai.embeddings.create({ model: "tiny", input: ["hello world", "hello world", "something else"], encoding_format: "float" });
      expect(r.object).toBe("list");
      expect(r.data.map((d) => d.index)).toEqual([0, 1, 2]);
      expect(r.data[0].embedding).toHaveLength(64);
      expect(cosine(r.data[0].embedding, r.data[1].embedding)).toBeCloseTo(1, 5);
      expect(r.usage.prompt_tokens).toBeGreaterThan(0);
      expect(r.usage.total_tokens).toBe(r.usage.prompt_tokens);
    });

    test("base64 decodes to the same float32s", async () => {
      const floats = (await ctx.ai.embeddings.create({ model: "tiny", input: "abc", encoding_format: "float" })).data[0].embedding;
      const b64 = (await ctx.ai.embeddings.create({ model: "tiny", input: "abc", encoding_format: "base64" })).data[0].embedding as unknown as string;
      const buf = Buffer.from(b64, "base64");
      const back = Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
      expect(back).toEqual(floats.map(Math.fround));
      // The SDK's default asks for base64 and decodes it itself.
      expect((await ctx.ai.embeddings.create({ model: "tiny", input: "abc" })).data[0].embedding).toEqual(back);
    });

    test("dimensions must match the model's; token arrays are refused", async () => {
      expect((await ctx.ai.embeddings.create({ model: "tiny", input: "a", dimensions: 64 })).data[0].embedding).toHaveLength(64);
      await expect(ctx.ai.embeddings.create({ model: "tiny", input: "a", dimensions: 32 })).rejects.toMatchObject({ status: 400, param: "dimensions" });
      expect((await post(ctx.s.url, "/v1/embeddings", { model: "tiny", input: [[1, 2]] })).json.error.param).toBe("input");
    });
  });
}
