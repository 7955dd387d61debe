import { invalid } from "../errors.ts";
import { type Preset, presetConversation, presetOptions } from "../models/preset.ts";
import type { ChatMessage, GenerateOptions } from "../runtime/types.ts";
import type { Backend } from "./types.ts";

/**
 * A model with a preset (src/models/preset.ts) answers as its Modelfile says: its parameters
 * are the defaults each request may override, its system prompt and messages open conversations.
 * Raw completions get the parameters only: there is no conversation to add to.
 */
export function withPreset(backend: Backend, preset: Preset, lora: { path: string }[] = []): Backend {
  const defaults = presetOptions(preset.parameters);
  const options = <T extends GenerateOptions>(opts: T): T => {
    const set = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    // A request's own `lora` (llama-server's per-request scales) wins over the model's.
    return { ...defaults, ...(lora.length ? { lora } : {}), ...set } as T;
  };
  // llama.cpp's embedding and ranking contexts here take no adapters: the base weights' vectors would be a silent substitute.
  const adapted = (what: string) => {
    if (lora.length) throw invalid(`this model applies a LoRA adapter, which ${what} cannot use here: ask its base model`, "model");
  };
  return {
    kind: backend.kind,
    chat: (messages, opts) => backend.chat(presetConversation(preset, messages), options(opts)),
    complete: (prompt, opts) => backend.complete(prompt, options(opts)),
    embed: async (inputs, opts) => { adapted("embeddings"); return backend.embed(inputs, opts); },
    rerank: async (query, documents, opts) => { adapted("reranking"); return backend.rerank(query, documents, opts); },
    // A preset's num_ctx loads the model with that context (capped at its trained length by the pool).
    contextSize: async () => {
      const usual = await backend.contextSize();
      return defaults.contextSize !== undefined && usual !== undefined ? Math.max(usual, defaults.contextSize) : usual;
    },
    ...(backend.countTokens ? { countTokens: (text: string) => backend.countTokens!(text) } : {}),
    ...(backend.countChatTokens ? { countChatTokens: (messages, opts) => backend.countChatTokens!(presetConversation(preset, messages), opts) } : {}),
    // A later turn: the preset's system prompt when the turn brings none (as Ollama renders it), not its opening messages again.
    ...(backend.continuationTokens ? {
      continuationTokens: (messages: ChatMessage[]) => backend.continuationTokens!(
        preset.system && messages[0]?.role !== "system" ? [{ role: "system", content: preset.system }, ...messages] : messages),
    } : {}),
  };
}

/** The preset's system prompt and the parameters (and draft model) the web app's settings offer. */
export function presetDefaults(p: Preset): { system?: string; temperature?: number; maxTokens?: number; draftModel?: string } {
  const o = presetOptions(p.parameters);
  return {
    ...(p.system ? { system: p.system } : {}),
    ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
    ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
    ...(o.draftModel !== undefined ? { draftModel: o.draftModel } : {}),
  };
}
