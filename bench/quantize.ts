/**
 * Quantization benchmark: generates a realistic-size model (random weights: speed and size do
 * not depend on the values), quantizes it to each type with Freehold's quantizer, measures size,
 * bits per weight, prompt and generation speed, and compares time and bytes with llama.cpp's
 * own llama-quantize on the same input when a native build is found (bench/lib/llamacpp.ts).
 *
 *   node --import tsx bench/quantize.ts [--shape tinyllama-1.1b|moe-1b] [--types Q8_0,Q4_0] [--threads N] [--write]
 *
 * Prints a markdown section; --write puts it into BENCHMARKS.md.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { openApp } from "../src/app.ts";
import { makeModel } from "../src/models/gguf/makeModel.ts";
import { SHAPES, type ModelShape, type ShapeName } from "../src/models/gguf/shapes.ts";
import { quantizeModel } from "../src/quantize/quantize.ts";
import { measureSpeed, type Speed } from "../src/quantize/speed.ts";
import { getLlama } from "../src/runtime/llama.ts";
import { llamaCppBin } from "./lib/llamacpp.ts";
import { table, writeSection } from "./lib/report.ts";

const { values: args } = parseArgs({ options: {
  shape: { type: "string", default: "tinyllama-1.1b" },
  types: { type: "string", default: "Q8_0,Q6_K,Q5_K_M,Q4_K_M,Q4_0,IQ4_XS,Q3_K_M,Q2_K" },
  threads: { type: "string", default: String(availableParallelism()) },
  write: { type: "boolean", default: false },
} });
const shapeName = args.shape as ShapeName;
const threads = Number(args.threads);
const types = args.types!.split(",");

const sha256 = async (path: string) => {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) h.update(chunk);
  return h.digest("hex");
};
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;

async function speedOf(path: string): Promise<Speed> {
  const model = await (await getLlama()).loadModel({ modelPath: path });
  try {
    const prompt = model.tokenize("The quick brown fox jumps over the lazy dog. ".repeat(40)).slice(0, 256);
    return await measureSpeed(model, prompt, threads, 64);
  } finally {
    await model.dispose();
  }
}

const work = mkdtempSync(join(tmpdir(), "fh-bench-quant-"));
const app = await openApp({ home: join(work, "home") });
try {
  const src = join(work, `${shapeName}-f16.gguf`);
  let t = performance.now();
  const made = await makeModel({ path: src, shape: shapeName, type: "f16" });
  console.error(`generated ${shapeName} F16 (${mib(made.bytes)}) in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  const source = await app.models.register(src, { name: "src", adopt: true });
  const native = llamaCppBin("llama-quantize");

  const rows: (string | number)[][] = [];
  const s0 = await speedOf(source.path);
  rows.push(["F16 (source)", mib(source.sizeBytes!), "16.00", s0.promptTokensPerSecond.toFixed(1), s0.generationTokensPerSecond.toFixed(1), "-", "-", "-"]);
  for (const to of types) {
    const r = await quantizeModel(app, "src", { to, threads });
    let nativeSeconds = "-", identical = "-";
    if (native) {
      const out = join(work, `native-${to}.gguf`);
      t = performance.now();
      execFileSync(native, [source.path, out, to, String(threads)], { stdio: "ignore" });
      nativeSeconds = ((performance.now() - t) / 1000).toFixed(1);
      identical = statSync(out).size === r.outputBytes && (await sha256(out)) === r.model.sha256 ? "yes" : "NO";
      rmSync(out);
    }
    const s = await speedOf(r.model.path);
    rows.push([to, mib(r.outputBytes), (r.bitsPerWeight ?? 0).toFixed(2), s.promptTokensPerSecond.toFixed(1), s.generationTokensPerSecond.toFixed(1),
      r.seconds.toFixed(1), nativeSeconds, identical]);
    console.error(rows.at(-1)!.join("  "));
    await app.models.remove(r.model.name); // keep the disk footprint to one quantized copy
  }

  const shape: ModelShape = SHAPES[shapeName];
  const p = made.parameters;
  const md = [
    `## Quantization: ${shapeName} (${(p.total / 1e9).toFixed(2)}B parameters${p.active < p.total ? `, ${(p.active / 1e9).toFixed(2)}B active: ${shape.expertsUsed} of ${shape.experts} experts` : ""})`,
    "",
    `Generated F16 model, random weights. Quantized by \`freehold quantize\` (llama.cpp's quantizer from node-llama-cpp's libllama, through FFI) `
      + `with ${threads} threads; the same input and type given to \`llama-quantize\` built natively from the same bundled source. `
      + `Speed: node-llama-cpp, ${threads} threads, prompt of 256 tokens in one batch, 64 generated tokens, one run each. `
      + `Bits per weight as llama.cpp reports them (tensor data / parameters).`,
    "",
    table(["type", "size", "bits/weight", "prompt tok/s", "gen tok/s", "quantize s (freehold)", "quantize s (llama-quantize)", "byte-identical"], rows),
  ].join("\n");
  console.log(md);
  if (args.write) writeSection(`quantize-${shapeName}`, md);
} finally {
  await app.close();
  if (existsSync(work)) rmSync(work, { recursive: true, force: true });
}
