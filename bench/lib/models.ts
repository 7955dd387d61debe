import { existsSync, linkSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { openApp } from "../../src/app.ts";
import { generatorVersion } from "../../src/models/gguf/generatorVersion.ts";
import { makeModel, type MakeModelOptions } from "../../src/models/gguf/makeModel.ts";
import type { ShapeName } from "../../src/models/gguf/shapes.ts";
import { runQuantizer } from "../../src/quantize/runQuantizer.ts";
import { QUANT_TYPES } from "../../src/quantize/types.ts";

/** Generated benchmark models live here, outside the repository, and are reused between runs. */
export const MODELS_DIR = process.env.FREEHOLD_BENCH_MODELS ?? "/tmp/freehold-bench-models";

const log = (s: string) => console.error(`[models] ${s}`);

/**
 * A generated model of `shape` (seeded random weights: speed and memory do not depend on the
 * values) at `type`, made once and cached: F16 from the generator, anything else quantized from
 * that F16 by Freehold's own quantizer (llama.cpp's, through FFI in a child process). With
 * `pair`, one half of a speculative-decoding pair (makeModel's `pair`).
 */
export async function benchModel(shape: ShapeName, type: "F16" | "Q4_0" | "Q8_0" = "Q4_0", threads = 2, pair?: MakeModelOptions["pair"]): Promise<string> {
  mkdirSync(MODELS_DIR, { recursive: true });
  // Named with the generator's version: a changed generator must not be measured on an old file.
  const half = pair ? `-${pair.draft ? "draft" : "target"}${pair.draftLayers}q${pair.quiet ?? 0}` : "";
  const f16 = join(MODELS_DIR, `${shape}${half}-${generatorVersion()}-f16.gguf`);
  if (!existsSync(f16)) {
    const t = performance.now();
    log(`generating ${shape}${half} F16...`);
    await makeModel({ path: f16, shape, type: "f16", seed: 42, pair });
    log(`generated ${f16} (${mib(statSync(f16).size)}) in ${secs(t)}`);
  }
  if (type === "F16") return f16;
  const out = join(MODELS_DIR, `${shape}${half}-${generatorVersion()}-${type.toLowerCase()}.gguf`);
  if (!existsSync(out)) {
    const ftype = QUANT_TYPES.find((q) => q.name === type)!.ftype;
    const tmp = `${out}.partial`;
    rmSync(tmp, { force: true });
    const t = performance.now();
    log(`quantizing ${shape} to ${type} with Freehold's quantizer...`);
    await runQuantizer({ input: f16, output: tmp, params: { ftype, nthread: threads } });
    renameSync(tmp, out);
    log(`quantized ${out} (${mib(statSync(out).size)}) in ${secs(t)}`);
  }
  return out;
}

export const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const secs = (t: number) => `${((performance.now() - t) / 1000).toFixed(0)} s`;

/**
 * Registers cached bench model files in a data folder under the given names without copying
 * them: each is hard-linked into the folder and the store adopts the link.
 */
export async function registerLinked(home: string, models: Record<string, string>): Promise<void> {
  const app = await openApp({ home });
  try {
    for (const [name, file] of Object.entries(models)) {
      const link = join(home, `${name}.gguf`);
      linkSync(file, link);
      await app.models.register(link, { name, adopt: true, source: "generated" });
    }
  } finally {
    await app.close();
  }
}
