import { open, stat } from "node:fs/promises";
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
  /** A classifier head with rank pooling: it scores query–document pairs (/v1/rerank) rather than chats. */
  reranker?: boolean;
  /** Fill-in-the-middle tokens (prefix, suffix, middle): it completes code between a prefix and a suffix. */
  infill?: boolean;
}

/** llama_ftype names as llama.cpp prints them. */
const FILE_TYPES: Record<number, string> = {
  0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 7: "Q8_0", 8: "Q5_0", 9: "Q5_1", 10: "Q2_K", 11: "Q3_K_S", 12: "Q3_K_M",
  13: "Q3_K_L", 14: "Q4_K_S", 15: "Q4_K_M", 16: "Q5_K_S", 17: "Q5_K_M", 18: "Q6_K", 19: "IQ2_XXS", 20: "IQ2_XS",
  21: "Q2_K_S", 22: "IQ3_XS", 23: "IQ3_XXS", 24: "IQ1_S", 25: "IQ4_NL", 26: "IQ3_S", 27: "IQ3_M", 28: "IQ2_S",
  29: "IQ2_M", 30: "IQ4_XS", 31: "IQ1_M", 32: "BF16", 36: "TQ1_0", 37: "TQ2_0", 38: "MXFP4_MOE",
};

export const fileTypeName = (ft: number | undefined) => (ft === undefined ? "unknown" : FILE_TYPES[ft] ?? `type-${ft}`);

/** GGUF versions llama.cpp reads: ggml/src/gguf.cpp refuses v1 and anything above GGUF_VERSION (3). */
const GGUF_VERSIONS = [2, 3];

/**
 * Architectures the bundled llama.cpp knows but node-llama-cpp's GgufArchitectureType (3.22.1)
 * does not list yet: the rest of LLM_ARCH_NAMES in its llama.cpp release's src/llama-arch.cpp.
 */
const ARCHITECTURES_NOT_IN_ENUM = [
  "bailingmoe3", "dots3note", "granite_swa", "hrm_text", "hy_v4", "kimi-k3", "maple", "minimax-01", "pockettts",
  "qwen4exp", "spark2_5",
];

/**
 * Reads and validates a GGUF header before anything is registered: rejects non-GGUF files, GGUF
 * versions and architectures llama.cpp cannot load (which would otherwise only fail at load time),
 * and truncated files whose tensor data would run past the end.
 */
export async function inspectGguf(path: string): Promise<ModelFacts> {
  const { size } = await stat(path).catch(() => { throw invalid(`no such file: ${path}`); });
  const version = await ggufVersion(path);
  if (version !== undefined && !GGUF_VERSIONS.includes(version)) {
    throw invalid(`${path} is GGUF version ${version}, which llama.cpp cannot read (it reads versions ${GGUF_VERSIONS.join(" and ")})`);
  }
  const nlc = await llamaCpp();
  let info: GgufFileInfo;
  try {
    info = await nlc.readGgufFileInfo(path, { readTensorInfo: true, logWarnings: false });
  } catch (e) {
    throw invalid(`${path} is not a valid GGUF file: ${(e as Error).message}`);
  }
  const md = info.metadata as any;
  if (md.general?.type === "adapter") {
    throw invalid(`${path} is a LoRA adapter, not a model: apply it to its base model with an ADAPTER line in a Modelfile (freehold create)`);
  }
  const arch = md.general?.architecture as string | undefined;
  if (!arch) throw invalid(`${path} has no general.architecture: not a model GGUF`);
  // Typed as a const enum, but node-llama-cpp exports GgufArchitectureType as an object too.
  const listed = Object.values((nlc as unknown as { GgufArchitectureType: Record<string, string> }).GgufArchitectureType);
  if (!listed.includes(arch) && !ARCHITECTURES_NOT_IN_ENUM.includes(arch)) throw invalid(`${path} has architecture "${arch}", which this llama.cpp build does not support`);
  const llama = await getLlama();
  await checkTensorData(path, info, size);

  const archMd = info.architectureMetadata as any;
  const insights = await nlc.GgufInsights.from(info, llama);
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
    ...(insights.supportsRanking ? { reranker: true } : {}),
    ...(hasInfillTokens(md.tokenizer?.ggml) ? { infill: true } : {}),
  };
}

/** Every tensor's type is one this llama.cpp build reads, and its data lies within the file. */
async function checkTensorData(path: string, info: GgufFileInfo, size: number): Promise<void> {
  const bindings = ((await getLlama()) as any)._bindings;
  let end = 0;
  for (const t of info.fullTensorInfo ?? []) {
    const typeSize = bindings.getTypeSizeForGgmlType(t.ggmlType), blockSize = bindings.getBlockSizeForGgmlType(t.ggmlType);
    if (typeSize == null || blockSize == null) throw invalid(`${path} uses tensor type ${t.ggmlType}, which this llama.cpp build does not support`);
    const elements = t.dimensions.reduce((a: number, d) => a * Number(d), 1);
    end = Math.max(end, Number(t.fileOffset) + Math.ceil(elements / blockSize) * typeSize);
  }
  if (end > size) throw invalid(`${path} is truncated: tensor data needs ${end} bytes but the file has ${size}`);
}

/** What Freehold records about a LoRA adapter checked against its base model. */
export interface AdapterFacts {
  architecture: string;
  name?: string;
  /** llama.cpp scales each update B·A by alpha / rank. */
  alpha: number;
  rank: number;
  /** Base weights it updates. */
  tensors: number;
  sizeBytes: number;
}

/**
 * Checks a LoRA adapter GGUF as llama.cpp will when it loads it (src/llama-adapter.cpp), so a
 * wrong file is refused when a model is made with it rather than on its first request: the
 * header says adapter and lora, the architecture is the base's, every `.lora_a` has its
 * `.lora_b`, each pair updates a weight the base has, in its shape, and the data is all there.
 */
export async function inspectAdapter(path: string, basePath: string): Promise<AdapterFacts> {
  const { size } = await stat(path).catch(() => { throw invalid(`no such file: ${path}`); });
  const version = await ggufVersion(path);
  if (version === undefined) throw invalid(`${path} is not a GGUF file (a LoRA adapter must be converted to GGUF, as llama.cpp's convert_lora_to_gguf.py does)`);
  if (!GGUF_VERSIONS.includes(version)) throw invalid(`${path} is GGUF version ${version}, which llama.cpp cannot read`);
  const nlc = await llamaCpp();
  const read = (p: string) => nlc.readGgufFileInfo(p, { readTensorInfo: true, logWarnings: false });
  let info: GgufFileInfo;
  try {
    info = await read(path);
  } catch (e) {
    throw invalid(`${path} is not a valid GGUF file: ${(e as Error).message}`);
  }
  const md = info.metadata as any;
  if (md.general?.type !== "adapter" || md.adapter?.type !== "lora") {
    throw invalid(`${path} is not a LoRA adapter (general.type "${md.general?.type ?? ""}", adapter.type "${md.adapter?.type ?? ""}")`);
  }
  const base = await read(basePath);
  const baseArch = (base.metadata as any).general?.architecture;
  if (md.general.architecture !== baseArch) {
    throw invalid(`${path} is a LoRA adapter for the ${md.general.architecture} architecture, but its base model is ${baseArch}`);
  }
  await checkTensorData(path, info, size);
  const dims = (t: { dimensions: readonly (number | bigint)[] }) => t.dimensions.map(Number);
  const baseTensors = new Map((base.fullTensorInfo ?? []).map((t) => [t.name, dims(t)]));
  const pairs = new Map<string, { a?: number[]; b?: number[] }>();
  for (const t of info.fullTensorInfo ?? []) {
    const m = /^(.*)\.lora_([ab])$/.exec(t.name);
    if (!m) continue;
    const pair = pairs.get(m[1]) ?? {};
    pair[m[2] as "a" | "b"] = dims(t);
    pairs.set(m[1], pair);
  }
  if (!pairs.size) throw invalid(`${path} has no LoRA tensors (<weight>.lora_a and .lora_b)`);
  let rank = 0;
  for (const [name, { a, b }] of pairs) {
    if (!a || !b) throw invalid(`${path}: ${name} has lora_${a ? "a" : "b"} but no lora_${a ? "b" : "a"}`);
    const w = baseTensors.get(name);
    if (!w) throw invalid(`${path} updates ${name}, which its base model does not have (an adapter for another model?)`);
    // token_embd's pair is stored the other way round (llama.cpp's llm_build_inp_embd).
    const fits = name === "token_embd.weight" ? w[0] === b[1] && w[1] === a[1] : w[0] === a[0] && w[1] === b[1] && a[1] === b[0];
    if (!fits) throw invalid(`${path}: ${name}'s update [${a}]·[${b}] does not fit the base model's [${w}] (an adapter for another model?)`);
    rank = Math.max(rank, name === "token_embd.weight" ? a[0] : a[1]);
  }
  return { architecture: md.general.architecture, name: md.general?.name, alpha: Number(md.adapter?.lora?.alpha ?? 0), rank, tensors: pairs.size, sizeBytes: size };
}

/** Whether a GGUF's vocabulary has fill-in-the-middle tokens, from its header alone. */
export async function ggufHasInfill(path: string): Promise<boolean> {
  const info = await (await llamaCpp()).readGgufFileInfo(path, { readTensorInfo: false, logWarnings: false });
  return hasInfillTokens((info.metadata as { tokenizer?: { ggml?: Record<string, unknown> } }).tokenizer?.ggml);
}

/**
 * Token names llama.cpp takes for fill-in-the-middle when the GGUF gives no ids (src/llama-vocab.cpp,
 * "find FIM_PRE token" and the two after it): Qwen, StarCoder, Granite, DeepSeek, CodeLlama, GLM-4.5, Falcon.
 */
const FIM_NAMES = {
  pre: ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"],
  suf: ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"],
  mid: ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"],
};

/** Whether llama.cpp will find all three fill-in-the-middle tokens: by id in the metadata, else by name. */
export function hasInfillTokens(tokenizer: Record<string, unknown> | undefined): boolean {
  if (!tokenizer) return false;
  const tokens = Array.isArray(tokenizer.tokens) ? (tokenizer.tokens as string[]) : [];
  const names = new Set(tokens);
  const legacy = { pre: "prefix", suf: "suffix", mid: "middle" } as const;
  return (["pre", "suf", "mid"] as const).every((k) => {
    const id = tokenizer[`fim_${k}_token_id`] ?? tokenizer[`${legacy[k]}_token_id`];
    if (typeof id === "number") return id >= 0 && id < tokens.length;
    return FIM_NAMES[k].some((n) => names.has(n));
  });
}

/** The version field of a GGUF header, or undefined when the file is not GGUF (the parser says why). */
async function ggufVersion(path: string): Promise<number | undefined> {
  const head = Buffer.alloc(8);
  const fh = await open(path, "r");
  try {
    const { bytesRead } = await fh.read(head, 0, 8, 0);
    return bytesRead === 8 && head.toString("latin1", 0, 4) === "GGUF" ? head.readUInt32LE(4) : undefined;
  } finally {
    await fh.close();
  }
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
