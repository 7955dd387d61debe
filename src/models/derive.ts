import { invalid } from "../errors.ts";
import type { QuantizeApp, QuantizeOptions, QuantizeResult } from "../quantize/quantize.ts";
import type { QuantizeProgress } from "../quantize/runQuantizer.ts";
import type { ModelRecord } from "../store/repos/models.ts";
import { mergePresets, type Preset } from "./preset.ts";

export interface DeriveOptions {
  /** A chat template the Modelfile gives: accepted only when it is the model's own. */
  template?: string | null;
  /** Quantize the weights (a llama.cpp type such as Q4_K_M) instead of sharing them. */
  quantize?: string | null;
  /** The quantizer's own settings (`freehold quantize`'s flags). */
  quantizer?: Pick<QuantizeOptions, "allowRequantize" | "leaveOutput" | "outputType" | "tokenEmbeddingType" | "pure" | "threads">;
  signal?: AbortSignal;
  onProgress?: (p: QuantizeProgress) => void;
}

export const templateRefused = () => invalid(
  "custom templates are not supported: the model's own chat template (GGUF tokenizer.chat_template) is always applied", "template");

/**
 * A model made `FROM` a registered one (a Modelfile, Ollama's create): the same weights under a
 * new name, or quantized ones, with `over`'s system prompt, parameters, messages and license on
 * top of the source's.
 */
export async function deriveModel(app: QuantizeApp, name: string, from: string, over: Preset, opts: DeriveOptions = {}): Promise<{ model: ModelRecord; quantized?: QuantizeResult }> {
  const source = await app.models.get(from);
  if (opts.template && opts.template !== source.chatTemplate) throw templateRefused();
  const preset = mergePresets(source.preset, over);
  if (!opts.quantize) return { model: await app.models.copy(source.name, name, preset) };
  const { quantizeModel } = await import("../quantize/quantize.ts");
  const quantized = await quantizeModel(app, source.name, { ...opts.quantizer, to: opts.quantize, name, preset, signal: opts.signal, onProgress: opts.onProgress });
  return { model: quantized.model, quantized };
}
