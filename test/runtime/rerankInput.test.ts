import { afterAll, beforeAll, expect, test } from "vitest";
import type { LlamaModel } from "node-llama-cpp";
import { getLlama } from "../../src/runtime/llama.ts";
import { rerankTemplate, rerankTokens } from "../../src/runtime/rerankInput.ts";
import { RERANK_TEMPLATE } from "../../src/models/gguf/vocab.ts";
import { testModel } from "../helpers/models.ts";

/** A pair's tokens as llama.cpp's server builds them (format_prompt_rerank); bench/rerank.ts checks the scores against it. */
let reranker: LlamaModel, plain: LlamaModel;
beforeAll(async () => {
  const llama = await getLlama({ gpu: false });
  [reranker, plain] = await Promise.all([
    llama.loadModel({ modelPath: await testModel({ shape: "tiny-rerank", seed: 3 }) }),
    llama.loadModel({ modelPath: await testModel({ shape: "tiny" }) }),
  ]);
});
afterAll(async () => { await reranker?.dispose(); await plain?.dispose(); });

test("with a rerank template: the filled template as one text, special tokens parsed, nothing added", () => {
  expect(rerankTemplate(reranker)).toBe(RERANK_TEMPLATE);
  const tokens = rerankTokens(reranker, rerankTemplate(reranker), "is water wet", "water is wet");
  const filled = RERANK_TEMPLATE.replace("{query}", "is water wet").replace("{document}", "water is wet");
  expect(tokens).toEqual(reranker.tokenize(filled, true));
  expect(tokens[0]).toBe(reranker.tokenize("<|im_start|>", true)[0]); // the control token, not its letters
  expect(tokens).not.toContain(reranker.tokens.bos);
});

test("without one: [BOS] query [EOS] [SEP] document [EOS], each only when the vocabulary adds it", () => {
  expect(rerankTemplate(plain)).toBeUndefined();
  // The generated Llama vocabulary adds BOS, not EOS, and has no SEP: BOS, the query, the document.
  expect(rerankTokens(plain, undefined, "is water wet", "water is wet")).toEqual([plain.tokens.bos, ...plain.tokenize("is water wet"), ...plain.tokenize("water is wet")]);
});
