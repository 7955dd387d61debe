import { describe, expect, it } from "vitest";
import { categorize } from "../../src/arena/category.ts";
import { ARENA_DEFAULTS, arenaConfig } from "../../src/arena/config.ts";
import { judgeVote } from "../../src/arena/hygiene.ts";
import { identityLeaks } from "../../src/arena/identity.ts";
import { mulberry32 } from "../../src/arena/random.ts";
import { drawPair } from "../../src/arena/sampling.ts";
import { pairKey, type Battle } from "../../src/arena/votes.ts";

describe("category from the prompt", () => {
  it.each([
    ["Write a Python function that reverses a linked list", "coding"],
    ["Why does my TypeScript build fail with TS2345?", "coding"],
    ["```js\nconst x = [1,2].map(n => n * 2)\n```\nwhat does this print?", "coding"],
    ["Solve 3x + 7 = 22 for x", "maths"],
    ["What is the derivative of sin(x) * x^2?", "maths"],
    ["Prove that there are infinitely many primes", "maths"],
    ["Write a haiku about autumn rain", "writing"],
    ["Draft a polite email asking my landlord to fix the heating", "writing"],
    ["What is the capital of Australia?", "other"],
    ["Tell me about the history of tea", "other"],
  ])("%s → %s", (prompt, category) => expect(categorize(prompt)).toBe(category));
});

describe("identity leaks", () => {
  it("finds makers, families and the battle's own model names", () => {
    expect(identityLeaks("I am Llama, made by Meta.")).toEqual(["llama", "meta"]);
    expect(identityLeaks("As a model trained by OpenAI (GPT-4)...")).toEqual(["openai"]);
    expect(identityLeaks("I'm Qwen, created by Alibaba Cloud")).toEqual(["qwen", "alibaba"]);
    expect(identityLeaks("Gemma here, from Google DeepMind")).toEqual(["google"]);
    expect(identityLeaks("I am Claude, an AI assistant by Anthropic")).toEqual(["anthropic"]);
    expect(identityLeaks("Phi-3 by Microsoft Research")).toEqual(["microsoft"]);
    expect(identityLeaks("Mistral AI built me; DeepSeek did not")).toEqual(["mistral", "deepseek"]);
    expect(identityLeaks("Hi, I'm Quokka-7B!", ["quokka-7b", "narwhal"])).toEqual(["quokka-7b", "quokka"]);
  });

  it("stays quiet on ordinary answers and generic name parts", () => {
    expect(identityLeaks("A meta-analysis of 12 trials found a small effect. The sky is blue.")).toEqual([]);
    expect(identityLeaks("Here is a tiny model of the solar system", ["tiny", "tiny-moe"])).toEqual([]);
    expect(identityLeaks("The metadata lists a gptq build")).toEqual([]);
  });
});

describe("pair sampling", () => {
  const models = ["m1", "m2", "m3", "m4"];
  it("least-compared draws only among the pairs with the fewest battles, on random sides", () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 4; i++) for (let j = i + 1; j < 4; j++) counts.set(pairKey(models[i], models[j]), 3);
    counts.set(pairKey("m2", "m4"), 1);
    const rand = mulberry32(7);
    const sides = new Set<string>();
    for (let i = 0; i < 40; i++) {
      const p = drawPair(models, counts, "least-compared", rand);
      expect([p.a, p.b].sort()).toEqual(["m2", "m4"]);
      expect(p.pairBattles).toBe(1);
      sides.add(p.a);
    }
    expect(sides).toEqual(new Set(["m2", "m4"])); // both orders occur
  });

  it("uniform reaches every pair, never one model against itself", () => {
    const counts = new Map([[pairKey("m1", "m2"), 100]]);
    const rand = mulberry32(3), seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const p = drawPair(models, counts, "uniform", rand);
      expect(p.a).not.toBe(p.b);
      seen.add(pairKey(p.a, p.b));
    }
    expect(seen.size).toBe(6);
  });

  it("refuses a pool with fewer than two models", () => {
    expect(() => drawPair(["solo", "solo"], new Map(), "least-compared")).toThrow(/at least two models/);
  });
});

describe("vote hygiene", () => {
  const battle = (a: string, b: string): Battle => ({
    modelA: "quokka", modelB: "narwhal", turns: [{ prompt: "hi", a: { text: a }, b: { text: b } }],
  } as unknown as Battle);
  const ok = { lastMinute: 0, lastDay: 0 };
  const cfg = { votesPerMinute: 3, votesPerDay: 10 };

  it("counts a clean vote", () => expect(judgeVote(battle("Hello!", "Hi there."), ok, cfg)).toEqual({ counted: true, flags: {} }));

  it("flags a leak, a blank side and the rate limits", () => {
    expect(judgeVote(battle("I am Llama by Meta", "Hi"), ok, cfg)).toEqual({
      counted: false, flags: { leakedIdentity: { a: ["llama", "meta"] }, notCounted: ["leaked_identity"] },
    });
    expect(judgeVote(battle("Hi", "  "), ok, cfg).flags).toMatchObject({ emptyAnswer: ["b"], notCounted: ["empty_answer"] });
    expect(judgeVote(battle("Hi", "Yo"), { lastMinute: 3, lastDay: 3 }, cfg).flags).toMatchObject({ rateLimited: { perMinute: 3 } });
    expect(judgeVote(battle("Hi", "Yo"), { lastMinute: 0, lastDay: 10 }, cfg).flags).toMatchObject({ rateLimited: { perDay: 10 } });
    expect(judgeVote(battle("Hi", "Yo"), { lastMinute: 2, lastDay: 9 }, cfg).counted).toBe(true);
  });
});

describe("arena config", () => {
  it("applies defaults and rejects bad values", () => {
    expect(arenaConfig({})).toEqual(ARENA_DEFAULTS);
    expect(arenaConfig({ arena: { sampling: "uniform", votesPerMinute: 5, params: { maxTokens: 9 } } } as never))
      .toMatchObject({ sampling: "uniform", votesPerMinute: 5, params: { temperature: 0.7, maxTokens: 9 } });
    expect(() => arenaConfig({ arena: { sampling: "favourites" } } as never)).toThrow(/sampling/);
    expect(() => arenaConfig({ arena: { votesPerMinute: 0 } } as never)).toThrow(/votesPerMinute/);
  });
});
