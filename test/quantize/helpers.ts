import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelShape } from "../../src/models/gguf/shapes.ts";
import { makeModel } from "../../src/models/gguf/makeModel.ts";
import { getLlama } from "../../src/runtime/llama.ts";

/**
 * 256-wide test models: k-quants work on 256-value blocks, so the 64-wide "tiny" shape would
 * fall back to Q5_0/Q8_0 for every tensor and not show what a type does. Cached like testModel().
 */
export const WIDE: Record<"dense" | "moe", ModelShape> = {
  dense: { embedding: 256, layers: 2, heads: 4, kvHeads: 2, feedForward: 512, vocab: 1024, contextLength: 512 },
  moe: { embedding: 256, layers: 2, heads: 4, kvHeads: 2, feedForward: 256, vocab: 1024, contextLength: 512, experts: 4, expertsUsed: 2 },
};

export async function wideModel(kind: "dense" | "moe" = "dense"): Promise<string> {
  const path = join(tmpdir(), "freehold-test-models", `wide-${kind}-42.gguf`);
  if (!existsSync(path)) await makeModel({ path, shape: WIDE[kind] });
  return path;
}

/** Loads a GGUF with node-llama-cpp and generates `count` tokens greedily (one thread: tiny models crawl with more). */
export async function generate(path: string, count = 8): Promise<number[]> {
  const llama = await getLlama();
  const model = await llama.loadModel({ modelPath: path });
  try {
    const context = await model.createContext({ contextSize: 256, threads: 1 });
    const tokens: number[] = [];
    for await (const t of context.getSequence().evaluate(model.tokenize("The river"), { temperature: 0 })) {
      tokens.push(t);
      if (tokens.length >= count) break;
    }
    await context.dispose();
    return tokens;
  } finally {
    await model.dispose();
  }
}
