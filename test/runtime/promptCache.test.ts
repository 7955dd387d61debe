import { afterAll, expect, test } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import type { ChatMessage } from "../../src/runtime/types.ts";
import { testModel } from "../helpers/models.ts";

/**
 * A conversation's next turn reuses the tokens its previous turn left in the sequence (same
 * scope, idle context), evaluates only what is new, and answers exactly as from scratch.
 */
const runtime = new Runtime({ gpu: false, contextSize: 1024, sequences: 4 });
afterAll(() => runtime.close());

const greedy = { maxTokens: 12, temperature: 0 } as const;
const turn1: ChatMessage[] = [{ role: "system", content: "You are terse." }, { role: "user", content: "Tell me about rivers and stones and lanterns." }];

test("the next turn of a conversation reuses the cached prefix, for the same scope only, and predicts as from scratch", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const first = await runtime.chat(tiny, turn1, { ...greedy, cacheScope: "alice" });
  expect(first.usage.cachedPromptTokens).toBe(0);
  const turn2: ChatMessage[] = [...turn1, { role: "assistant", content: first.text }, { role: "user", content: "And copper orchards?" }];

  const cached = await runtime.chat(tiny, turn2, { ...greedy, logprobs: 5, cacheScope: "alice" });
  // The first turn's prompt at least (the answer's re-tokenised tail may differ).
  expect(cached.usage.cachedPromptTokens).toBeGreaterThanOrEqual(first.usage.promptTokens - 1);
  expect(cached.usage.cachedPromptTokens).toBeLessThan(cached.usage.promptTokens);

  // Another scope never gets alice's tokens: it starts from an empty sequence.
  const other = await runtime.chat(tiny, turn2, { ...greedy, logprobs: 5, cacheScope: "bob" });
  expect(other.usage.cachedPromptTokens).toBe(0);
  // No scope (evals, completions) or a pinned seed: never cached.
  expect((await runtime.chat(tiny, turn2, greedy)).usage.cachedPromptTokens).toBe(0);
  await runtime.chat(tiny, turn1, { ...greedy, cacheScope: "dave" });
  expect((await runtime.chat(tiny, turn2, { ...greedy, seed: 7, cacheScope: "dave" })).usage.cachedPromptTokens).toBe(0);

  // The model sees the same context either way: its first prediction matches. (Not the whole
  // answer: a prefix evaluated in other batches differs in the last bits, which can flip a
  // near-tie later on, as with llama-server's cache_prompt.) A misplaced or missing cached
  // token would move these log-probabilities by far more than 0.01.
  const top = (r: typeof cached) => new Map(r.logprobs![0].top.map((t) => [t.token, t.logprob]));
  const [a, b] = [top(cached), top(other)];
  expect(a.size).toBe(5);
  for (const [token, lp] of a) if (b.has(token)) expect(Math.abs(lp - b.get(token)!)).toBeLessThan(0.01);
  expect([...a.keys()].filter((t) => b.has(t)).length).toBeGreaterThanOrEqual(4);
}, 60_000);

/** The first answer token's top log-probabilities, token → logprob. */
const topOf = (r: { logprobs?: { top: { token: string; logprob: number }[] }[] }) => new Map(r.logprobs![0].top.map((t) => [t.token, t.logprob]));
/** Same context, same first prediction: a missing or misplaced cached token moves these by far more than 0.01. */
function samePrediction(a: Map<string, number>, b: Map<string, number>) {
  expect(a.size).toBe(5);
  for (const [token, lp] of a) if (b.has(token)) expect(Math.abs(lp - b.get(token)!)).toBeLessThan(0.01);
  expect([...a.keys()].filter((t) => b.has(t)).length).toBeGreaterThanOrEqual(4);
}

test("under load, a conversation's next turn reuses its own kept sequence, cut between decodes, and predicts as from scratch", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  let longDone = false;
  const long = runtime.complete(tiny, "Once upon a time", { maxTokens: 900, temperature: 0 }).then((r) => { longDone = true; return r; });
  const first = await runtime.chat(tiny, turn1, { ...greedy, cacheScope: "carol" }); // ends while the completion runs: kept
  const turn2: ChatMessage[] = [...turn1, { role: "assistant", content: first.text }, { role: "user", content: "More?" }];
  const next = await runtime.chat(tiny, turn2, { ...greedy, logprobs: 5, cacheScope: "carol" });
  expect(longDone).toBe(false); // the premise: both turns ran while the completion generated
  expect(next.usage.cachedPromptTokens).toBeGreaterThanOrEqual(first.usage.promptTokens - 1);
  await long;
  const scratch = await runtime.chat(tiny, turn2, { ...greedy, logprobs: 5 });
  expect(scratch.usage.cachedPromptTokens).toBe(0);
  samePrediction(topOf(next), topOf(scratch));
}, 60_000);

test("under load, a kept prefix is copied into the sequence the request is given, and predicts as from scratch", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  // A runtime of its own, so which sequence each request gets follows from this test alone.
  const runtime = new Runtime({ gpu: false, contextSize: 1024, sequences: 4 });
  try {
    // Idle: gina's conversation is kept in one sequence, hal's in another.
    const first = await runtime.chat(tiny, turn1, { ...greedy, cacheScope: "gina" });
    await runtime.chat(tiny, [{ role: "user", content: "Violet harbors." }], { ...greedy, cacheScope: "hal" });
    // A long completion takes a third; under load, gina's next turn is given a free sequence
    // next to it (the empty fourth, before hal's kept one), so her tokens must be copied there.
    let longDone = false;
    const long = runtime.complete(tiny, "Once upon a time", { maxTokens: 900, temperature: 0 }).then((r) => { longDone = true; return r; });
    await new Promise((r) => setTimeout(r, 20));
    const turn2: ChatMessage[] = [...turn1, { role: "assistant", content: first.text }, { role: "user", content: "And copper orchards?" }];
    const next = await runtime.chat(tiny, turn2, { ...greedy, logprobs: 5, cacheScope: "gina" });
    expect(longDone).toBe(false);
    expect(next.usage.cachedPromptTokens).toBeGreaterThanOrEqual(first.usage.promptTokens - 1);
    await long;
    const scratch = await runtime.chat(tiny, turn2, { ...greedy, logprobs: 5 });
    samePrediction(topOf(next), topOf(scratch));
    // Two sequences hold gina's tokens now: another caller gets none of them.
    expect((await runtime.chat(tiny, turn2, { ...greedy, cacheScope: "ivan" })).usage.cachedPromptTokens).toBe(0);
  } finally {
    await runtime.close();
  }
}, 60_000);

test("two callers taking turns each get their own conversation's tokens back", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const other: ChatMessage[] = [{ role: "system", content: "You are an editor." }, { role: "user", content: "Copper orchards and violet harbors." }];
  const a1 = await runtime.chat(tiny, turn1, { ...greedy, cacheScope: "erin" });
  const b1 = await runtime.chat(tiny, other, { ...greedy, cacheScope: "frank" });
  const a2 = await runtime.chat(tiny, [...turn1, { role: "assistant", content: a1.text }, { role: "user", content: "More?" }], { ...greedy, cacheScope: "erin" });
  const b2 = await runtime.chat(tiny, [...other, { role: "assistant", content: b1.text }, { role: "user", content: "Again." }], { ...greedy, cacheScope: "frank" });
  expect(a2.usage.cachedPromptTokens).toBeGreaterThanOrEqual(a1.usage.promptTokens - 1);
  expect(b2.usage.cachedPromptTokens).toBeGreaterThanOrEqual(b1.usage.promptTokens - 1);
}, 60_000);
