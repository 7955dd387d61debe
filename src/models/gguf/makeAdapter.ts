import { mkdir, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import { llamaCpp } from "../../runtime/llamaCpp.ts";
import { type MetaValue, type TensorSpec, TensorType, f32, str } from "./format.ts";
import { RANDOM_WEIGHTS_NOTICE } from "./makeModel.ts";
import { writeGguf } from "./writer.ts";

export interface MakeAdapterOptions {
  /** The base model's GGUF: the adapter fits its architecture and tensor shapes. */
  base: string;
  path: string;
  /** LoRA rank r: A is n_in × r, B is r × n_out. */
  rank?: number;
  /** llama.cpp scales B·A by alpha / rank (times the adapter's scale). */
  alpha?: number;
  /** Which of each layer's weights get a low-rank update (as `target_modules` in PEFT). */
  targets?: string[];
  seed?: number;
  type?: "f32" | "f16";
  /**
   * Standard deviation of A's and B's entries. At the default (0.1, rank 8, alpha 16) B·A adds
   * about 0.06 per weight to the generator's 0.02: enough that an adapted model's greedy answer
   * differs from its base's, which is what tests need to see it applied.
   */
  std?: number;
}

export interface MadeAdapter { path: string; bytes: number; tensors: number; architecture: string }

export const DEFAULT_LORA_TARGETS = ["attn_q", "attn_v"];

/**
 * Writes a LoRA adapter GGUF for a base model, in the layout llama.cpp loads
 * (src/llama-adapter.cpp; convert_lora_to_gguf.py writes the same): `general.type` "adapter",
 * `adapter.type` "lora", `adapter.lora.alpha`, and for each adapted weight `<name>.lora_a`
 * (ggml dims [n_in, r]) and `<name>.lora_b` ([r, n_out]), with seeded random entries. Stands in
 * for a fine-tune's output, which cannot be downloaded here.
 */
export async function makeAdapter(opts: MakeAdapterOptions): Promise<MadeAdapter> {
  const rank = opts.rank ?? 8, alpha = opts.alpha ?? 16, std = opts.std ?? 0.1;
  if (!Number.isInteger(rank) || rank < 1) throw new Error("rank must be a positive integer");
  const targets = new Set(opts.targets ?? DEFAULT_LORA_TARGETS);
  const info = await (await llamaCpp()).readGgufFileInfo(opts.base, { readTensorInfo: true, logWarnings: false });
  const architecture = (info.metadata as { general?: { architecture?: string } }).general?.architecture;
  if (!architecture) throw new Error(`${opts.base} has no general.architecture: not a model GGUF`);
  const type = opts.type === "f16" ? TensorType.F16 : TensorType.F32;
  const tensors: TensorSpec[] = [];
  for (const t of info.fullTensorInfo ?? []) {
    const m = /^blk\.\d+\.([a-z_]+)\.weight$/.exec(t.name);
    if (!m || !targets.has(m[1]) || t.dimensions.length !== 2) continue;
    const [nIn, nOut] = t.dimensions.map(Number);
    tensors.push(
      { name: `${t.name}.lora_a`, dims: [nIn, rank], type, init: { kind: "normal", std } },
      { name: `${t.name}.lora_b`, dims: [rank, nOut], type, init: { kind: "normal", std } },
    );
  }
  if (!tensors.length) throw new Error(`${opts.base} has none of the target weights (${[...targets].join(", ")})`);
  const metadata: Record<string, MetaValue> = {
    "general.architecture": str(architecture),
    "general.type": str("adapter"),
    "general.name": str(`freehold-random-lora-r${rank}`),
    "general.description": str(RANDOM_WEIGHTS_NOTICE),
    "adapter.type": str("lora"),
    "adapter.lora.alpha": f32(alpha),
  };
  await mkdir(dirname(opts.path), { recursive: true });
  const tmp = `${opts.path}.tmp-${process.pid}`;
  try {
    const { bytes } = await writeGguf(tmp, metadata, tensors, opts.seed ?? 7);
    await rename(tmp, opts.path);
    return { path: opts.path, bytes, tensors: tensors.length / 2, architecture };
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
