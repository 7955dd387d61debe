import type OpenAI from "openai";
import { describe, expect, test } from "vitest";
import { busy, cosine, post, until, type Ctx } from "../helpers.ts";

export function completionCases(ctx: Ctx) {
  describe("completions", () => {
    test("a text completion with usage", async () => {
      const r = await ctx.ai.completions.create({ model: "tiny", prompt: "Once upon a time", max_tokens: 6, seed: 1 });
      expect(r.object).toBe("text_completion");
      expect(typeof r.choices[0].text).toBe("string");
      expect(["stop", "length"]).toContain(r.choices[0].finish_reason);
      expect(r.usage!.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens);
    });

    test("a completion sharing its start with the caller's previous one evaluates only the rest (cached_tokens)", async () => {
      const shared = "Rivers carve stones and lanterns guide boats along the quiet harbour at night, ";
      // A sequence is kept only when nothing else runs on the model: the tests before may still be clearing theirs.
      expect(await until(() => busy(ctx.s) === 0, 10_000)).toBe(true);
      const first = await ctx.ai.completions.create({ model: "tiny", prompt: `${shared}first`, max_tokens: 4, temperature: 0 });
      const second = await ctx.ai.completions.create({ model: "tiny", prompt: `${shared}second`, max_tokens: 4, temperature: 0 });
      const cached = second.usage!.prompt_tokens_details!.cached_tokens!;
      const sharedTokens = (await ctx.ai.completions.create({ model: "tiny", prompt: shared, max_tokens: 1 })).usage!.prompt_tokens;
      expect(cached).toBeGreaterThanOrEqual(sharedTokens - 1); // the trailing space tokenizes with the word after it
      expect(cached).toBeLessThan(second.usage!.prompt_tokens);
      expect(first.usage!.prompt_tokens_details?.cached_tokens ?? 0).toBeLessThan(cached);
      // A pinned seed asks for a reproducible answer: evaluated from scratch.
      const seeded = await ctx.ai.completions.create({ model: "tiny", prompt: `${shared}second`, max_tokens: 4, seed: 3 });
      expect(seeded.usage!.prompt_tokens_details?.cached_tokens ?? 0).toBe(0);
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

    test("logprobs list every sampled token, the end-of-generation token included (as OpenAI lists it)", async () => {
      let stops = 0;
      for (let seed = 0; seed < 30; seed++) {
        const r = await ctx.ai.completions.create({ model: "tiny", prompt: `Seed ${seed}`, max_tokens: 64, temperature: 1, seed, logprobs: 0 });
        const c = r.choices[0];
        expect(c.logprobs!.tokens!.length).toBe(r.usage!.completion_tokens);
        if (c.finish_reason === "stop") {
          stops++;
          expect(c.logprobs!.tokens!.at(-1)).toBe(""); // it reads as nothing, like any control token in an answer
          expect(c.logprobs!.token_logprobs!.at(-1)).toBeLessThan(0);
        }
      }
      expect(stops).toBeGreaterThan(0); // about 1 in 5 of these seeds ends by itself on the generated model
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

    test("token-array prompts: the answer their text gets; echo gives their text; ids outside the vocabulary are refused", async () => {
      const tiny = await ctx.s.app.models.get("tiny");
      const ids = await ctx.s.app.runtime.tokenize({ name: tiny.name, path: tiny.path }, "The sky is");
      // seed: both evaluated from scratch (an answer from a reused prompt may differ in a near-tie)
      const p = { model: "tiny", max_tokens: 6, temperature: 0, seed: 1 };
      const asText = await ctx.ai.completions.create({ ...p, prompt: "The sky is" });
      const asIds = await ctx.ai.completions.create({ ...p, prompt: ids as never, echo: true });
      expect(asIds.choices[0].text).toBe(`The sky is${asText.choices[0].text}`);
      expect(asIds.usage).toEqual(asText.usage);
      const two = await ctx.ai.completions.create({ ...p, prompt: [ids, ids.slice(0, 2)] as never, max_tokens: 1 });
      expect(two.choices.map((c) => c.index)).toEqual([0, 1]);
      expect(two.usage!.prompt_tokens).toBe(ids.length + 2);
      const outside = await post(ctx.s.url, "/v1/completions", { model: "tiny", prompt: [1, 10_000_000] });
      expect(outside.status).toBe(400);
      expect(outside.json.error).toMatchObject({ param: "prompt", message: expect.stringMatching(/10000000 \(position 1\) is not in this model's vocabulary/) });
      expect((await post(ctx.s.url, "/v1/completions", { model: "tiny", prompt: [[1], []] })).json.error.param).toBe("prompt.1");
      expect((await post(ctx.s.url, "/v1/completions", { model: "tiny", prompt: "a", suffix: "z" })).status).toBe(400);
    });

    test("echo with logprobs scores the prompt: each token after the ones before it, as generation would rate it", async () => {
      const tiny = await ctx.s.app.models.get("tiny");
      const ids = await ctx.s.app.runtime.tokenize({ name: tiny.name, path: tiny.path }, "A quiet river runs by the old mill");
      // max_tokens 0: nothing generated, the prompt only scored (lm-evaluation-harness sends 1 and drops it).
      const scored = await ctx.ai.completions.create({ model: "tiny", prompt: ids as never, max_tokens: 0, echo: true, logprobs: 3 });
      const lp = scored.choices[0].logprobs!;
      expect(scored.usage).toMatchObject({ prompt_tokens: ids.length, completion_tokens: 0 });
      expect(lp.tokens).toHaveLength(ids.length);
      expect(lp.token_logprobs![0]).toBeNull(); // nothing precedes the first token
      expect(lp.tokens!.join("")).toBe(scored.choices[0].text);
      // Position k's distribution is the one a greedy step after the first k tokens samples from.
      for (const k of [1, 4, ids.length - 1]) {
        const step = await ctx.ai.completions.create({ model: "tiny", prompt: ids.slice(0, k) as never, max_tokens: 1, temperature: 0, logprobs: 1 });
        const [best, bestLogprob] = Object.entries(lp.top_logprobs![k]).sort((a, b) => b[1] - a[1])[0];
        const [stepBest, stepLogprob] = Object.entries(step.choices[0].logprobs!.top_logprobs![0])[0];
        expect(stepBest).toBe(best);
        expect(stepLogprob).toBeCloseTo(bestLogprob, 3);
        expect(step.choices[0].logprobs!.token_logprobs![0]).toBeCloseTo(bestLogprob, 3);
        expect(lp.token_logprobs![k]!).toBeLessThanOrEqual(bestLogprob + 1e-6);
        // 3 alternatives, fewer keys when two spell the same text (OpenAI's legacy shape is an object).
        expect(Object.keys(lp.top_logprobs![k]).length).toBeGreaterThanOrEqual(1);
        expect(Object.keys(lp.top_logprobs![k]).length).toBeLessThanOrEqual(3);
      }
      // With an answer: the prompt's entries, then the generated tokens', in one list and one text.
      const both = await ctx.ai.completions.create({ model: "tiny", prompt: ids as never, max_tokens: 2, temperature: 0, echo: true, logprobs: 1 });
      const blp = both.choices[0].logprobs!;
      // The same scores (to float noise: two evaluations of one prompt may sum in another order).
      blp.token_logprobs!.slice(0, ids.length).forEach((v, i) => (i === 0 ? expect(v).toBeNull() : expect(v).toBeCloseTo(lp.token_logprobs![i]!, 4)));
      expect(blp.tokens!.length).toBe(ids.length + both.usage!.completion_tokens);
      expect(blp.text_offset!.at(-1)).toBe(both.choices[0].text.length - blp.tokens!.at(-1)!.length);
      // Streamed: the echoed prompt comes first, with its scores.
      const chunks = [];
      for await (const c of await ctx.ai.completions.create({ model: "tiny", prompt: ids as never, max_tokens: 2, temperature: 0, echo: true, logprobs: 1, stream: true })) chunks.push(c.choices[0]);
      expect(chunks[0].text).toBe(scored.choices[0].text);
      chunks[0].logprobs!.token_logprobs!.forEach((v, i) => (i === 0 ? expect(v).toBeNull() : expect(v).toBeCloseTo(lp.token_logprobs![i]!, 4)));
      expect(chunks.map((c) => c.text).join("")).toBe(both.choices[0].text);
      expect((await post(ctx.s.url, "/v1/completions", { model: "tiny", prompt: "a", max_tokens: 0 })).json.error.param).toBe("max_tokens");
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

    test("dimensions must match the model's", async () => {
      expect((await ctx.ai.embeddings.create({ model: "tiny", input: "a", dimensions: 64 })).data[0].embedding).toHaveLength(64);
      await expect(ctx.ai.embeddings.create({ model: "tiny", input: "a", dimensions: 32 })).rejects.toMatchObject({ status: 400, param: "dimensions" });
    });

    test("token-array inputs embed as their text does; ids outside the vocabulary are refused", async () => {
      const tiny = await ctx.s.app.models.get("tiny");
      const ids = await ctx.s.app.runtime.tokenize({ name: tiny.name, path: tiny.path }, "hello world");
      const text = (await ctx.ai.embeddings.create({ model: "tiny", input: "hello world", encoding_format: "float" })).data[0].embedding;
      const tokens = await ctx.ai.embeddings.create({ model: "tiny", input: [ids, ids.slice(0, 2)] as never, encoding_format: "float" });
      expect(tokens.data).toHaveLength(2);
      expect(cosine(tokens.data[0].embedding, text)).toBeCloseTo(1, 4);
      expect(tokens.usage.prompt_tokens).toBeGreaterThanOrEqual(ids.length + 2);
      const outside = await post(ctx.s.url, "/v1/embeddings", { model: "tiny", input: [[1, 99_999_999]] });
      expect(outside.json.error).toMatchObject({ param: "input", message: expect.stringMatching(/99999999 \(position 1\) is not in this model's vocabulary/) });
    });
  });
}
