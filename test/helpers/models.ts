import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeModel, type MakeModelOptions } from "../../src/models/gguf/makeModel.ts";

/**
 * A generated test model, cached in the temp folder by its options so the suite generates each
 * shape once. Files are written atomically (temp name + rename), so parallel workers are safe.
 * The key includes the generator's own source, so a changed generator never serves an old file.
 */
export async function testModel(opts: Omit<MakeModelOptions, "path"> & { shape?: "tiny" | "tiny-moe" | "tiny-rerank" } = {}): Promise<string> {
  const key = `${opts.shape ?? "tiny"}-${opts.type ?? "f32"}-${opts.seed ?? 42}-${generatorVersion()}`;
  const path = join(tmpdir(), "freehold-test-models", `${key}.gguf`);
  if (!existsSync(path)) await makeModel({ ...opts, path });
  return path;
}

let version: string | undefined;
function generatorVersion(): string {
  const dir = join(import.meta.dirname, "../../src/models/gguf");
  version ??= createHash("sha256").update(readdirSync(dir).sort().map((f) => readFileSync(join(dir, f), "utf8")).join("\0")).digest("hex").slice(0, 8);
  return version;
}
