import { llamaCpp } from "../../runtime/llamaCpp.ts";
import type { ModelRecord } from "../../store/repos/models.ts";

type Model = Pick<ModelRecord, "path" | "parameterCount">;

/**
 * /api/show's `model_info`: the GGUF header's key-value pairs under their dotted GGUF names
 * ("general.architecture", "llama.context_length", "llama.expert_count", ...), plus
 * general.parameter_count as Ollama adds it. Long arrays (the vocabulary) only with `verbose`.
 */
export async function modelInfoOf(m: Model, verbose = false): Promise<Record<string, unknown>> {
  const info = await (await llamaCpp()).readGgufFileInfo(m.path, { readTensorInfo: false, logWarnings: false });
  const out: Record<string, unknown> = {};
  flatten(info.metadata as unknown as Record<string, unknown>, "", out, verbose);
  if (m.parameterCount) out["general.parameter_count"] = m.parameterCount;
  return out;
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, unknown>, verbose: boolean) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (Array.isArray(v)) out[key] = !verbose && v.length > 5 ? null : v.map(plain);
    else if (v && typeof v === "object") flatten(v as Record<string, unknown>, key, out, verbose);
    else out[key] = plain(v);
  }
}

/** GGUF's 64-bit integers arrive as bigint, which JSON cannot carry. */
const plain = (v: unknown) => (typeof v === "bigint" ? Number(v) : v);
