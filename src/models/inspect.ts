import { stat } from "node:fs/promises";
import type { GgufFileInfo } from "node-llama-cpp";
import { llamaCpp } from "../runtime/llamaCpp.ts";
import { invalid } from "../errors.ts";
import { getLlama } from "../runtime/llama.ts";

/** What Freehold records about a GGUF file. */
export interface ModelFacts {
  architecture: string;
  name?: string;
  description?: string;
  parameterCount: number;
  activeParameterCount: number;
  quantization: string;
  contextLength?: number;
  expertCount?: number;
  expertUsedCount?: number;
  chatTemplate?: string;
  sizeBytes: number;
  embeddingLength?: number;
  layers?: number;
}

/** llama_ftype names as llama.cpp prints them. */
const FILE_TYPES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M",
  13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS",
  21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
  29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
};

export const fileTypeName = (ft: number | undefined) => (ft === undefined ? "unknown" : FILE_TYPES[ft] ?? `type-${ft}`);

/**
 * Reads and validates a GGUF header: rejects non-GGUF files, and truncated files whose tensor
 * data would run past the end, before anything is registered.
 */
export async function inspectGguf(path: string): Promise<ModelFacts> {
  const { size } = await stat(path).catch(() => { throw invalid(`no such file: ${path}`); });
  let info: GgufFileInfo;
  try {
    info = await (await llamaCpp()).readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
  } catch (e) {
    throw invalid(`${path} is not a valid GGUF file: ${(e as Error).message}`);
  }
  const llama = await getLlama();
  const bindings = (llama as any)._bindings;
  let end = 0;
  for (const t of info.fullTensorInfo ?? []) {
    const typeSize = bindings.getTypeSizeForGgmlType(t.ggmlType), blockSize = bindings.getBlockSizeForGgmlType(t.ggmlType);
    if (typeSize == null || blockSize == null) throw invalid(`${path} uses tensor type ${t.ggmlType}, which this llama.cpp build does not support`);
    const elements = t.dimensions.reduce((a: number, d) => a * Number(d), 1);
    end = Math.max(end, Number(t.fileOffset) + Math.ceil(elements / blockSize) * typeSize);
  }
  if (end > size) throw invalid(`${path} is truncated: tensor data needs ${end} bytes but the file has ${size}`);

  const md = info.metadata as any;
  const arch = md.general?.architecture as string | undefined;
  if (!arch) throw invalid(`${path} has no general.architecture: not a model GGUF`);
  const archMd = info.architectureMetadata as any;
  const insights = await (await llamaCpp()).GgufInsights.from(info, llama);
  const experts = Number(archMd.expert_count ?? 0) || undefined;
  const used = Number(archMd.expert_used_count ?? 0) || undefined;
  return {
    architecture: arch,
    name: md.general?.name,
    description: md.general?.description,
    parameterCount: insights.totalParameters,
    activeParameterCount: activeParameters(info, insights.totalParameters, experts, used),
    quantization: fileTypeName(md.general?.file_type),
    contextLength: archMd.context_length ? Number(archMd.context_length) : undefined,
    expertCount: experts,
    expertUsedCount: used,
    chatTemplate: md.tokenizer?.chat_template,
    sizeBytes: size,
    embeddingLength: archMd.embedding_length ? Number(archMd.embedding_length) : undefined,
    layers: archMd.block_count ? Number(archMd.block_count) : undefined,
  };
}

/** For MoE, only `used` of `experts` expert tensors take part in each token. */
function activeParameters(info: GgufFileInfo, total: number, experts?: number, used?: number): number {
  if (!experts || !used) return total;
  let expertParams = 0;
  for (const t of info.fullTensorInfo ?? []) {
    if (/_exps\.weight$/.test(t.name)) expertParams += t.dimensions.reduce((a: number, d) => a * Number(d), 1);
  }
  return Math.round(total - expertParams + (expertParams * used) / experts);
}
