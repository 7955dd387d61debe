import { invalid, notFound } from "../errors.ts";
import type { Runtime } from "../runtime/index.ts";
import type { GenerateOptions, LocalModelRef } from "../runtime/types.ts";
import type { Backend } from "./types.ts";

/** Finds a registered local model by name (the model store). */
export type FindLocal = (name: string) => Promise<LocalModelRef | undefined>;

/** A model served by this machine's runtime; `find` resolves a request's draft model. */
export function localBackend(runtime: Runtime, ref: LocalModelRef, find?: FindLocal): Backend {
  const drafted = async <T extends GenerateOptions>(opts: T): Promise<T> => {
    const name = opts.draftModel;
    if (name === undefined) return opts;
    const draft = await find?.(name);
    if (!draft) throw notFound(`draft model "${name}" not found: see GET /v1/models or \`freehold list\``, "draft_model");
    if (draft.path === ref.path) throw invalid(`model "${name}" cannot draft for itself`, "draft_model");
    return { ...opts, draft };
  };
  return {
    kind: "local",
    chat: async (messages, opts) => runtime.chat(ref, messages, await drafted(opts)),
    complete: async (prompt, opts) => runtime.complete(ref, prompt, await drafted(opts)),
    embed: (inputs, opts) => runtime.embed(ref, inputs, opts),
    rerank: (query, documents, opts) => runtime.rerank(ref, query, documents, opts),
    contextSize: () => runtime.contextSize(ref),
    countTokens: async (text) => (await runtime.tokenize(ref, text)).length,
    countChatTokens: (messages, opts) => runtime.countChat(ref, messages, opts),
    continuationTokens: (messages) => runtime.continuationTokens(ref, messages),
  };
}
