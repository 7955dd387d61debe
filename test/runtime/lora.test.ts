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

  test("adapted and plain requests at once each get their own answer (one context per adapter set)", async () => {
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

  test("a model loaded for its adapter holds one context: the base weights' comes only with a request for them", async () => {
    const fresh = new Runtime({ gpu: false, contextSize: 512 });
    try {
      const adapted = await fresh.complete(base, "river stone", { ...greedy, lora: [{ path: adapter }] });
      const [one] = fresh.ps();
      // Weights plus one context, as predicted and admitted (the adapter's few KB aside).
      expect(Math.abs(one.actualBytes - one.predictedBytes) / one.predictedBytes).toBeLessThan(0.1);
      const plain = await fresh.complete(base, "river stone", greedy);
      const [two] = fresh.ps();
      expect(two.actualBytes - one.actualBytes).toBeGreaterThan((one.predictedBytes - one.weightsBytes) * 0.8); // a second context now
      expect(plain.text).not.toBe(adapted.text);
      expect((await fresh.complete(base, "river stone", { ...greedy, lora: [{ path: adapter }] })).text).toBe(adapted.text);
    } finally {
      await fresh.close();
    }
  });
});
