import { afterAll, beforeAll, expect, test } from "vitest";
import type { LlamaModel } from "node-llama-cpp";
import { getLlama } from "../../src/runtime/llama.ts";
import { infillTokens } from "../../src/runtime/infill.ts";
import { FIM_TOKENS } from "../../src/models/gguf/vocab.ts";
import { inspectGguf } from "../../src/models/inspect.ts";
import { testModel } from "../helpers/models.ts";

/** A fill-in-the-middle prompt as llama.cpp's server builds it for /infill (format_prompt_infill). */
let coder: LlamaModel, plain: LlamaModel;
let coderPath: string, plainPath: string;
beforeAll(async () => {
  const llama = await getLlama({ gpu: false });
  [coderPath, plainPath] = await Promise.all([testModel({ shape: "tiny-coder" }), testModel({ shape: "tiny" })]);
  [coder, plain] = await Promise.all([llama.loadModel({ modelPath: coderPath }), llama.loadModel({ modelPath: plainPath })]);
});
afterAll(async () => { await coder?.dispose(); await plain?.dispose(); });

test("[BOS] FIM_PRE prefix FIM_SUF suffix FIM_MID, the code read as plain text", () => {
  const [pre, suf, mid] = FIM_TOKENS.map((t) => coder.tokenize(t, true)[0]);
  expect([coder.tokens.infill.prefix, coder.tokens.infill.suffix, coder.tokens.infill.middle]).toEqual([pre, suf, mid]);
  const prefix = "def add(a, b):\n    return ", suffix = "\n\nprint(add(1, 2)) # <|fim_middle|>";
  expect(infillTokens(coder, prefix, suffix, 2048)).toEqual([
    coder.tokens.bos, pre, ...coder.tokenize(prefix), suf, ...coder.tokenize(suffix), mid,
  ]);
  // A FIM token's name inside the code is text, not the control token.
  expect(infillTokens(coder, prefix, suffix, 2048).filter((t) => t === mid)).toHaveLength(1);
});

test("a long prefix keeps its end and a long suffix its start, within half the context (3/4 and 1/4 of it)", () => {
  const prefix = Array.from({ length: 200 }, (_, i) => `line ${i}`).join("\n");
  const suffix = Array.from({ length: 200 }, (_, i) => `after ${i}`).join("\n");
  const tokens = infillTokens(coder, prefix, suffix, 128); // budget 64: prefix 48 tokens, suffix 14
  const p = coder.tokenize(prefix), s = coder.tokenize(suffix);
  expect(tokens).toEqual([coder.tokens.bos, coder.tokens.infill.prefix, ...p.slice(-48), coder.tokens.infill.suffix, ...s.slice(0, 14), coder.tokens.infill.middle]);
  expect(coder.detokenize(tokens.slice(2, 50))).toContain("line 199");
});

test("a model without FIM tokens is refused by name of the parameter, and import records which can insert", async () => {
  expect(() => infillTokens(plain, "a", "b", 2048)).toThrow(expect.objectContaining({
    details: { param: "suffix" }, message: expect.stringMatching(/does not support insert.*missing: prefix, suffix, middle/),
  }));
  expect((await inspectGguf(coderPath)).infill).toBe(true);
  expect((await inspectGguf(plainPath)).infill).toBeUndefined();
});
