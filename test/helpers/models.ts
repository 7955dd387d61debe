import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generatorVersion } from "../../src/models/gguf/generatorVersion.ts";
import { makeAdapter, type MakeAdapterOptions } from "../../src/models/gguf/makeAdapter.ts";
import { makeModel, type MakeModelOptions } from "../../src/models/gguf/makeModel.ts";

/**
 * A generated test model, cached in the temp folder by its options so the suite generates each
 * shape once. Files are written atomically (temp name + rename), so parallel workers are safe.
 * The key includes the generator's own source, so a changed generator never serves an old file.
 */
export async function testModel(opts: Omit<MakeModelOptions, "path"> & { shape?: "tiny" | "tiny-moe" | "tiny-rerank" | "tiny-coder" } = {}): Promise<string> {
  const pair = opts.pair ? `-pair${opts.pair.draftLayers}q${opts.pair.quiet ?? 0}${opts.pair.draft ? "d" : "t"}` : "";
  const key = `${opts.shape ?? "tiny"}-${opts.type ?? "f32"}-${opts.seed ?? 42}${pair}-${generatorVersion()}`;
  const path = join(tmpdir(), "freehold-test-models", `${key}.gguf`);
  if (!existsSync(path)) await makeModel({ ...opts, path });
  return path;
}

/** A generated LoRA adapter for a generated test model, cached the same way. */
export async function testAdapter(base: Parameters<typeof testModel>[0] = {}, opts: Omit<MakeAdapterOptions, "base" | "path"> = {}): Promise<string> {
  const basePath = await testModel(base);
  const key = `lora-r${opts.rank ?? 8}-a${opts.alpha ?? 16}-s${opts.seed ?? 7}-${(opts.targets ?? []).join("+") || "default"}-${opts.type ?? "f32"}-${basePath.split("/").at(-1)}`;
  const path = join(tmpdir(), "freehold-test-models", key);
  if (!existsSync(path)) await makeAdapter({ ...opts, base: basePath, path });
  return path;
}
