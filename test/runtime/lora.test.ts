import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import type { LocalModelRef } from "../../src/runtime/types.ts";
import { testAdapter, testModel } from "../helpers/models.ts";

/** LoRA adapters through the runtime: a generated adapter file, loaded by llama.cpp on top of the base weights. */
let runtime: Runtime;
let base: LocalModelRef;
let adapter: string;

beforeAll(async () => {
  base = { name: "tiny", path: await testModel() };
  adapter = await testAdapter();
  runtime = new Runtime({ gpu: false, contextSize: 512 });
});
afterAll(() => runtime.close());

const greedy = { maxTokens: 16, temperature: 0 };

describe("LoRA adapters", () => {
  test("an adapter changes the answer; at scale 0 it is the base model's, token for token", async () => {
    const plain = await runtime.complete(base, "The quick brown", greedy);
    const adapted = await runtime.complete(base, "The quick brown", { ...greedy, lora: [{ path: adapter }] });
    const off = await runtime.complete(base, "The quick brown", { ...greedy, lora: [{ path: adapter, scale: 0 }] });
    expect(adapted.text).not.toBe(plain.text);
    expect(off.text).toBe(plain.text);
    // Deterministic: the adapted model answers the same again, chats too.
    expect((await runtime.complete(base, "The quick brown", { ...greedy, lora: [{ path: adapter }] })).text).toBe(adapted.text);
    const chat = [{ role: "user" as const, content: "hello" }];
    const c1 = await runtime.chat(base, chat, { ...greedy, lora: [{ path: adapter }] });
    const c0 = await runtime.chat(base, chat, greedy);
    expect(c1.text).not.toBe(c0.text);
  });

  test("adapted and plain requests at once each get their own answer (batches take turns between adapter sets)", async () => {
    const solo = {
      plain: (await runtime.complete(base, "river stone", greedy)).text,
      adapted: (await runtime.complete(base, "river stone", { ...greedy, lora: [{ path: adapter }] })).text,
    };
    const both = await Promise.all([0, 1, 2, 3].map((i) =>
      runtime.complete(base, "river stone", { ...greedy, ...(i % 2 ? { lora: [{ path: adapter }] } : {}) })));
    expect(both.map((r) => r.text)).toEqual([solo.plain, solo.adapted, solo.plain, solo.adapted]);
    // The weights are loaded once: the adapter's context is counted with the model, not as another model.
    const loaded = runtime.ps().filter((s) => s.path === base.path);
    expect(loaded).toHaveLength(1);
  });

  test("the base weights and their adapters share one context (one KV cache), and a cached prompt is reused only with the same adapters", async () => {
    const fresh = new Runtime({ gpu: false, contextSize: 512 });
    try {
      const adapted = await fresh.complete(base, "river stone", { ...greedy, lora: [{ path: adapter }] });
      const [one] = fresh.ps();
      // Weights plus one context, as predicted and admitted (the adapter's few KB aside).
      expect(Math.abs(one.actualBytes - one.predictedBytes) / one.predictedBytes).toBeLessThan(0.1);
      const plain = await fresh.complete(base, "river stone", greedy);
      expect(fresh.ps()[0].actualBytes).toBe(one.actualBytes); // no second context for the base weights
      expect(plain.text).not.toBe(adapted.text);

      // A conversation's kept tokens were computed with the adapter: the same caller asking the
      // base weights must not get them back (its answer is the base weights' own, as uncached).
      const turn = [{ role: "user" as const, content: "hello there, how are you today?" }];
      const uncached = await fresh.chat(base, turn, greedy);
      await fresh.chat(base, turn, { ...greedy, lora: [{ path: adapter }], cacheScope: "alice" });
      const after = await fresh.chat(base, turn, { ...greedy, cacheScope: "alice" });
      expect(after.text).toBe(uncached.text);
      expect(after.usage.cachedPromptTokens ?? 0).toBe(0);
      // With the same adapter the cache serves.
      const again = await fresh.chat(base, turn, { ...greedy, lora: [{ path: adapter }], cacheScope: "bob" });
      const cached = await fresh.chat(base, turn, { ...greedy, lora: [{ path: adapter }], cacheScope: "bob" });
      expect(cached.text).toBe(again.text);
      expect(cached.usage.cachedPromptTokens).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });
});
