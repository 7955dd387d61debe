import { afterAll, expect, test } from "vitest";
import { FreeholdError } from "../../src/errors.ts";
import { DraftLengths, draftPredictor } from "../../src/runtime/draft.ts";
import { Runtime } from "../../src/runtime/index.ts";
import { testModel } from "../helpers/models.ts";

/**
 * Speculative decoding with a draft model on real llama.cpp contexts: the generator's pairs
 * (makeModel's `pair`: a target whose second layer adds nothing, and a draft of its first layer)
 * agree on every next token, so nearly every drafted token must be kept; a draft changes how many
 * tokens each step evaluates, never which tokens the target chooses.
 */
const runtime = new Runtime({ gpu: false, contextSize: 1024, sequences: 4 });
afterAll(() => runtime.close());

const pair = async () => ({
  target: { name: "target", path: await testModel({ pair: { draftLayers: 1 } }) },
  draft: { name: "draft", path: await testModel({ pair: { draftLayers: 1, draft: true } }) },
});
const greedy = { maxTokens: 64, temperature: 0 } as const;
/** Greedy, the pair answers this prompt (and the first two chats) with the whole 64 tokens, before any end of text. */
const prompt = "lanterns";

test("a draft that agrees with its target is kept nearly whole, and the answer is the target's own", async () => {
  const { target, draft } = await pair();
  const plain = await runtime.complete(target, prompt, { ...greedy, returnContext: true });
  expect(plain.usage.completionTokens).toBe(64);
  // A draft_max of its own: a pair's lengths are learned per draft_max, so this request starts by trying each (16, 8, 4, 2, 1).
  const drafted = await runtime.complete(target, prompt, { ...greedy, returnContext: true, draft, draftMax: 16 });
  expect(drafted.text).toBe(plain.text);
  // Drafted tokens thrown away are the target's checking work, not tokens of the answer.
  expect(drafted.usage.completionTokens).toBe(64);
  expect(drafted.usage.draftTokens).toBeGreaterThanOrEqual(31);
  expect(drafted.usage.acceptedDraftTokens).toBeGreaterThanOrEqual(0.8 * drafted.usage.draftTokens!);
  // Drafted tokens the answer never reached are not left in the sequence.
  expect(drafted.context).toEqual(plain.context);
  // The draft model is loaded beside the target, as any model the pool serves.
  expect(runtime.ps().map((m) => m.name).sort()).toEqual(["draft", "target"]);
}, 120_000);

test("drafted chats side by side, and beside a plain one, answer as the target alone does", async () => {
  const { target, draft } = await pair();
  const asks = ["lanterns", "What is this?", "Hello"].map((content) => [{ role: "user" as const, content }]);
  const plain = [];
  for (const m of asks) plain.push(await runtime.chat(target, m, greedy));
  // Whether each drafts depends on when the others end (only a sequence generating alone drafts, on a CPU).
  const drafted = { ...greedy, draft, draftMax: 12 };
  const [a, b, c] = await Promise.all([runtime.chat(target, asks[0], drafted), runtime.chat(target, asks[1], drafted), runtime.chat(target, asks[2], greedy)]);
  expect([a.text, b.text, c.text]).toEqual(plain.map((p) => p.text));
  expect(a.usage.completionTokens).toBe(plain[0].usage.completionTokens);
  expect(b.usage.completionTokens).toBe(plain[1].usage.completionTokens);
  expect(c.usage.draftTokens).toBeUndefined();
}, 120_000);

test("on a CPU, a sequence does not draft while another generates beside it (nothing is timed for the lengths either)", async () => {
  await pair(); // node-llama-cpp is loaded by the tests above
  const lengths = new DraftLengths(4);
  // The sequence is never touched: drafting from it would throw.
  const source = { sequence: {} as never, trim: async () => {}, max: 4, pMin: 0, lengths, busy: () => 2 };
  const p = draftPredictor(source, { promptTokens: 3 });
  p.reset({ stateTokens: [1, 2, 3] as never });
  expect(await p.predictTokens()).toEqual([]); // before the prompt is evaluated
  p.pushTokens([4] as never);
  expect(await p.predictTokens()).toEqual([]); // beside another
  p.pushTokens([5] as never);
  expect(await p.predictTokens()).toEqual([]);
  expect(lengths.arms.map((_, i) => lengths.cost(i))).toEqual(lengths.arms.map(() => NaN));
  // Alone again, it drafts (here: from the stand-in sequence, which cannot).
  source.busy = () => 1;
  await expect(p.predictTokens()).rejects.toThrow();
});

test("no draft where it would change the answer (repetition penalties), and a draft of another vocabulary is refused", async () => {
  const { target, draft } = await pair();
  const penalised = { ...greedy, repeatPenalty: 1.3 };
  const plain = await runtime.complete(target, prompt, penalised);
  const withDraft = await runtime.complete(target, prompt, { ...penalised, draft });
  expect(withDraft.text).toBe(plain.text);
  expect(withDraft.usage.draftTokens).toBeUndefined();

  const coder = { name: "coder", path: await testModel({ shape: "tiny-coder" }) };
  const err = await runtime.complete(target, prompt, { ...greedy, draft: coder }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(FreeholdError);
  expect((err as FreeholdError).code).toBe("invalid_request");
  expect((err as FreeholdError).message).toMatch(/"coder" cannot draft for "target"/);
  // The refusal left the target serving.
  expect((await runtime.complete(target, prompt, penalised)).text).toBe(plain.text);
}, 120_000);

test("draft lengths: each tried once, longest first, then the fewest milliseconds per token, its neighbours now and then", () => {
  const l = new DraftLengths(16);
  expect(l.arms).toEqual([0, 1, 2, 4, 8, 16]);
  // ms per cycle and tokens gained: plain steps 20 ms a token; a draft of k costs 40 + 5k ms and gains k/2 + 1.
  const play = (i: number) => {
    const k = l.arms[i];
    l.record(i, k === 0 ? 20 : 40 + 5 * k, k === 0 ? 1 : k / 2 + 1);
  };
  const first = [];
  for (let c = 0; c < 6; c++) { const i = l.pick(); first.push(l.arms[i]); play(i); }
  expect(first).toEqual([16, 8, 4, 2, 1, 0]);
  // 16: 120/9 = 13.3 ms a token, the best; every 6th cycle 8 (then, with 16 at the top, 8 again).
  const next = [];
  for (let c = 0; c < 12; c++) { const i = l.pick(); next.push(l.arms[i]); play(i); }
  expect(next.filter((k) => k === 16).length).toBe(10);
  expect(next.filter((k) => k === 8).length).toBe(2);
});

test("draft lengths: one slow first cycle does not bury a length, and a length that turns bad is left", () => {
  const l = new DraftLengths(4);
  expect(l.arms).toEqual([0, 1, 2, 4]);
  l.record(3, 1000, 5); // 4 first: a slow first batch of its size (200 ms a token)
  l.record(2, 30, 3); // 10
  l.record(1, 25, 2); // 12.5
  l.record(0, 20, 1); // 20
  expect(l.arms[l.pick()]).toBe(2);
  l.record(3, 50, 5); // the next sample of 4 halves its mean: (1000 + 50) / 2 over 5 tokens
  l.record(3, 50, 5);
  l.record(3, 50, 5); // mean of three: ~76.7 ms per 5 tokens, 15 a token
  for (let i = 0; i < 20; i++) l.record(3, 50, 5); // then 10 a token, converging below 2's 10
  for (let i = 0; i < 20; i++) l.record(3, 40, 5);
  expect(l.arms[l.pick()]).toBe(4);
  for (let i = 0; i < 30; i++) l.record(3, 100, 2); // the target stops agreeing: 50 ms a token
  expect(l.arms[l.pick()]).toBe(2);
});

test("draft lengths: while no draft is best, a one-token draft is tried only rarely, and only one request in 8 drafts", () => {
  const l = new DraftLengths(4);
  expect(l.wanted()).toBe(true); // nothing known yet
  for (const [i, ms] of [[3, 400], [2, 200], [1, 100], [0, 20]] as const) l.record(i, ms, 1); // drafts never kept
  const picks = Array.from({ length: 64 }, () => l.arms[l.pick()]);
  expect(picks.filter((k) => k === 0).length).toBe(62);
  expect(picks.filter((k) => k === 1).length).toBe(2);
  expect(Array.from({ length: 16 }, () => l.wanted()).filter(Boolean).length).toBe(2);
  for (let i = 0; i < 10; i++) l.record(1, 1, 1); // drafts pay now
  expect(l.wanted()).toBe(true);
});
