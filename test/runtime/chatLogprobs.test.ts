import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { describe, expect, test } from "vitest";
import { ChatLogprobs } from "../../src/runtime/chatLogprobs.ts";
import { tokenBytes } from "../../src/runtime/logprobs.ts";

/** A vocabulary where token i reads TEXT[i]; no native code involved. */
const TEXT = ["", "?", "that", "=", "v", "<think>", "at", "</s>", "<0xE2>", " hi"];
const fakeModel = (vocabularyType = "spm", pieces = TEXT) => ({
  vocabularyType,
  fileInfo: { metadata: { tokenizer: { ggml: { tokens: pieces } } } },
  detokenize: (tokens: Token[]) => tokens.map((t) => (pieces[t]?.startsWith("<0x") ? "\uFFFD" : pieces[t])).join(""),
}) as unknown as LlamaModel;

/** A sequence whose evaluateWithMetadata yields `script` and records what it was given. */
class FakeSequence {
  inputs: unknown[] = [];
  constructor(private readonly script: Token[]) {}
  async *evaluate(): AsyncGenerator<Token, void, void | Token | Token[]> { throw new Error("the original evaluate must not run"); }
  async *evaluateWithMetadata(tokens: Token[]) {
    this.inputs.push(tokens);
    for (const token of this.script) {
      const probabilities = new Map<Token, number>([[token, 0.5], [99 as Token, 0.25]]);
      this.inputs.push(yield { token, confidence: 0.5, probabilities });
    }
  }
}

/** Runs the patched evaluate to the end, as LlamaChat would, replacing tokens where asked. */
async function sample(seq: FakeSequence, replace: Record<number, Token> = {}): Promise<Token[]> {
  const it = (seq as unknown as LlamaContextSequence).evaluate([1 as Token]);
  const out: Token[] = [];
  let step = await it.next();
  while (!step.done) {
    out.push(step.value);
    step = await it.next(replace[out.length - 1]);
  }
  return out;
}

const t = (...ids: number[]) => ids as Token[];

describe("chat logprobs", () => {
  test("evaluate samples with metadata while observed, passes replacement tokens on, and is put back", async () => {
    const seq = new FakeSequence(t(1, 2, 3));
    const lp = new ChatLogprobs(fakeModel(), 1);
    const unobserve = lp.observe(seq as unknown as LlamaContextSequence);
    expect(await sample(seq, { 1: 4 as Token })).toEqual([1, 2, 3]);
    expect(seq.inputs).toEqual([[1], undefined, 4, undefined]);
    unobserve();
    expect(Object.hasOwn(seq, "evaluate")).toBe(false);
  });

  test("text tokens get their records; markers, thinking and the end token are passed over", async () => {
    const seq = new FakeSequence(t(5, 2, 1, 2, 3, 7));
    const lp = new ChatLogprobs(fakeModel(), 1);
    lp.observe(seq as unknown as LlamaContextSequence);
    await sample(seq);
    lp.skip(t(2)); // thinking "that" after the "<think>" marker
    expect(lp.text(t(1, 2), "?that").map((e) => e.token)).toEqual(["?", "that"]);
    expect(lp.text(t(3), "=").map((e) => e.token)).toEqual(["="]);
    expect(lp.content.map((e) => e.token)).toEqual(["?", "that", "="]);
    expect(lp.content[0]).toEqual({ token: "?", logprob: Math.log(0.5), bytes: [63], top: [{ token: "?", logprob: Math.log(0.5), bytes: [63] }] });
  });

  test("a re-tokenized piece of a cut token stands for the sampled token that held it", async () => {
    const seq = new FakeSequence(t(1, 2, 3, 4));
    const lp = new ChatLogprobs(fakeModel(), 0);
    lp.observe(seq as unknown as LlamaContextSequence);
    await sample(seq);
    // A segment marker "?th" ended inside "that": LlamaChat emits "at" as a token it never sampled.
    expect(lp.text(t(6, 3, 4), "at=v").map((e) => e.token)).toEqual(["that", "=", "v"]);
    expect(lp.content[0].top).toEqual([]);
  });

  test("a first token that lost its leading space in the answer reads as the answer does", async () => {
    const seq = new FakeSequence(t(9, 9));
    const lp = new ChatLogprobs(fakeModel(), 0);
    lp.observe(seq as unknown as LlamaContextSequence);
    await sample(seq);
    expect(lp.text(t(9), "hi")).toMatchObject([{ token: "hi", bytes: [104, 105] }]);
    expect(lp.text(t(9), " hi")).toMatchObject([{ token: " hi", bytes: [32, 104, 105] }]);
  });

  test("an answer with text but nothing sampled through evaluate is an error, not missing logprobs", () => {
    const lp = new ChatLogprobs(fakeModel(), 0);
    expect(() => lp.check("hello")).toThrow(/sequence\.evaluate/);
    expect(() => lp.check("")).not.toThrow();
  });
});

describe("token bytes", () => {
  test("whole characters are their UTF-8; partial ones come from the vocabulary", () => {
    expect(tokenBytes(fakeModel(), 2 as Token, "that")).toEqual([116, 104, 97, 116]);
    expect(tokenBytes(fakeModel(), 2 as Token, " é")).toEqual([32, 0xc3, 0xa9]);
    expect(tokenBytes(fakeModel(), 8 as Token, "\uFFFD")).toEqual([0xe2]);
    // GPT-2 byte-level pieces: "Ġ" is a space, "â" stands for the byte 0xE2 itself.
    const bpe = fakeModel("bpe", ["Ġâ"]);
    expect(tokenBytes(bpe, 0 as Token, " \uFFFD")).toEqual([0x20, 0xe2]);
  });
});
