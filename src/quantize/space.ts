import { statfs } from "node:fs/promises";
import { FreeholdError } from "../errors.ts";
import type { QuantType } from "./types.ts";

export type StatFs = (path: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

const MiB = 1024 * 1024;

/**
 * Output size estimate: parameters × the type's typical bits per weight, plus 10% (small models
 * keep relatively more tensors at higher precision, and row widths that the type's block size does
 * not divide fall back to bigger types) and 16 MiB for metadata such as the vocabulary.
 */
export function estimateOutputBytes(parameters: number, type: QuantType): number {
  return Math.ceil((parameters * type.bpw * 1.1) / 8) + 16 * MiB;
}

/** Refuses up front when the folder's file system cannot hold the estimated output. */
export async function checkFreeSpace(dir: string, needed: number, fs: StatFs = statfs): Promise<void> {
  const s = await fs(dir);
  const free = Number(s.bavail) * Number(s.bsize);
  if (free < needed) {
    throw new FreeholdError("insufficient_storage",
      `not enough disk space in ${dir}: the quantized model needs about ${(needed / MiB).toFixed(0)} MiB, ${(free / MiB).toFixed(0)} MiB free`);
  }
}
