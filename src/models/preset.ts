/**
 * A model's own defaults, as an Ollama Modelfile gives them (SYSTEM, PARAMETER, MESSAGE,
 * LICENSE): a named variant of registered weights, such as a terse assistant at temperature 0.2
 * made from a general one. Requests override each parameter they set; the system prompt applies
 * when a conversation brings none; the messages open every conversation. Parameters keep
 * Ollama's names, since Modelfiles, `/api/create` and `/api/show` all speak them.
 */
import type { ChatMessage, GenerateOptions, SamplingOptions } from "../runtime/types.ts";

/** What a preset sets of a request's options. */
export type PresetOptions = SamplingOptions & Pick<GenerateOptions, "contextSize" | "draftModel" | "draftMax" | "draftPMin">;

/** Ollama's parameter names (checked by presetParameters.ts). */
export interface PresetParameters {
  temperature?: number;
  top_k?: number;
  top_p?: number;
  min_p?: number;
  seed?: number;
  num_predict?: number;
  stop?: string[];
  repeat_penalty?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  num_ctx?: number;
  /** Speculative decoding (Freehold's, as llama-server's -md, --spec-draft-n-max, --spec-draft-p-min): a smaller model of the same vocabulary drafts. */
  draft_model?: string;
  draft_max?: number;
  draft_p_min?: number;
}

export interface PresetMessage { role: "system" | "user" | "assistant"; content: string }

/**
 * A LoRA adapter the model applies on top of its weights (Ollama's ADAPTER): the file lives in
 * the data folder's adapters/ under its SHA-256 (ModelStore.adapterPath); `name` is the file
 * name it was given as.
 */
export interface PresetAdapter { name: string; sha256: string }

export interface Preset {
  system?: string;
  adapters?: PresetAdapter[];
  parameters?: PresetParameters;
  messages?: PresetMessage[];
  license?: string[];
}

/** `over` on top of `base` (a model made from another keeps what it does not change); null when nothing is set. */
export function mergePresets(base: Preset | null | undefined, over: Preset): Preset | null {
  const merged: Preset = {
    ...base,
    ...Object.fromEntries(Object.entries(over).filter(([, v]) => v !== undefined)),
    parameters: { ...base?.parameters, ...over.parameters },
  };
  if (!Object.keys(merged.parameters!).length) delete merged.parameters;
  if (!merged.system) delete merged.system;
  if (!merged.messages?.length) delete merged.messages;
  if (!merged.license?.length) delete merged.license;
  // Adapters stack, as Ollama's layers do: a model made FROM an adapted one keeps its adapter.
  const adapters = [...(base?.adapters ?? []), ...(over.adapters ?? [])].filter((a, i, all) => all.findIndex((b) => b.sha256 === a.sha256) === i);
  if (adapters.length) merged.adapters = adapters;
  else delete merged.adapters;
  return Object.keys(merged).length ? merged : null;
}

/** The preset's parameters as generation options (num_predict -1/-2: until the context is full). */
export function presetOptions(p: PresetParameters = {}): PresetOptions {
  const o: PresetOptions = {};
  if (p.temperature !== undefined) o.temperature = p.temperature;
  if (p.top_k !== undefined) o.topK = p.top_k;
  if (p.top_p !== undefined) o.topP = p.top_p;
  if (p.min_p !== undefined) o.minP = p.min_p;
  if (p.seed !== undefined) o.seed = p.seed;
  if (p.num_predict !== undefined && p.num_predict > 0) o.maxTokens = p.num_predict;
  if (p.stop?.length) o.stop = p.stop;
  if (p.repeat_penalty !== undefined) o.repeatPenalty = p.repeat_penalty;
  if (p.presence_penalty !== undefined) o.presencePenalty = p.presence_penalty;
  if (p.frequency_penalty !== undefined) o.frequencyPenalty = p.frequency_penalty;
  if (p.num_ctx !== undefined) o.contextSize = p.num_ctx;
  if (p.draft_model !== undefined) o.draftModel = p.draft_model;
  if (p.draft_max !== undefined) o.draftMax = p.draft_max;
  if (p.draft_p_min !== undefined) o.draftPMin = p.draft_p_min;
  return o;
}

/** The conversation as the model sees it: the preset's system prompt unless one was sent, then its messages. */
export function presetConversation(p: Preset, messages: ChatMessage[]): ChatMessage[] {
  const opening: ChatMessage[] = (p.messages ?? []).map((m) => ({ role: m.role, content: m.content }));
  const hasSystem = messages.some((m) => m.role === "system") || opening.some((m) => m.role === "system");
  const system: ChatMessage[] = p.system && !hasSystem ? [{ role: "system", content: p.system }] : [];
  if (!system.length && !opening.length) return messages;
  // Request system messages stay first, where chat templates expect them.
  const lead = messages.findIndex((m) => m.role !== "system");
  const head = lead < 0 ? messages : messages.slice(0, lead);
  const rest = lead < 0 ? [] : messages.slice(lead);
  return [...system, ...head, ...opening, ...rest];
}
