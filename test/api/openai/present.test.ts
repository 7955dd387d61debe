import { expect, test } from "vitest";
import { base64Floats, chatCompletion, textLogprobs, usage } from "../../../src/api/openai/present.ts";
import type { GenerateResult } from "../../../src/runtime/types.ts";

const result = (over: Partial<GenerateResult> = {}): GenerateResult => ({
  text: "hi", finishReason: "stop", usage: { promptTokens: 10, completionTokens: 3 },
  timings: { queueMs: 0, loadMs: 0, firstTokenMs: 1, totalMs: 2 }, ...over,
});

test("base64 embeddings are little-endian float32", () => {
  const v = [0.5, -1.25, 3.1415927];
  const buf = Buffer.from(base64Floats(v), "base64");
  const back = Array.from(new Float32Array(buf.buffer, buf.byteOffset, buf.length / 4));
  expect(back).toEqual(v.map(Math.fround));
});

test("a chat completion carries tool calls, reasoning and exact usage", () => {
  const c = chatCompletion({ id: "chatcmpl-1", created: 1, model: "m" }, [
    result({ text: "", reasoning: "hmm", toolCalls: [{ id: "call_1", name: "f", arguments: "{}" }], finishReason: "tool_calls" }),
    result({ finishReason: "length", usage: { promptTokens: 10, completionTokens: 5 } }),
  ]);
  expect(c.choices[0].message).toMatchObject({
    role: "assistant", content: null, reasoning_content: "hmm",
    tool_calls: [{ index: 0, id: "call_1", type: "function", function: { name: "f", arguments: "{}" } }],
  });
  expect(c.choices.map((x) => x.finish_reason)).toEqual(["tool_calls", "length"]);
  expect(c.usage).toEqual({ prompt_tokens: 10, completion_tokens: 8, total_tokens: 18 });
  // Two prompts with two choices each: each prompt counts once.
  expect(usage([result(), result(), result(), result()], 2).prompt_tokens).toBe(20);
  expect(usage([result(), result()], 1).prompt_tokens).toBe(20);
});

test("legacy logprobs use parallel arrays with text offsets", () => {
  const lp = textLogprobs([
    { token: "ab", logprob: -1, bytes: [97, 98], top: [{ token: "ab", logprob: -1, bytes: [] }] },
    { token: "c", logprob: -2, bytes: [99], top: [] },
  ], 3);
  expect(lp).toEqual({ tokens: ["ab", "c"], token_logprobs: [-1, -2], top_logprobs: [{ ab: -1 }, {}], text_offset: [3, 5] });
});
