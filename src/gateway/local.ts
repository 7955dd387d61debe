import type { Runtime } from "../runtime/index.ts";
import type { LocalModelRef } from "../runtime/types.ts";
import type { Backend } from "./types.ts";

/** A model served by this machine's runtime. */
export function localBackend(runtime: Runtime, ref: LocalModelRef): Backend {
  return {
    kind: "local",
    chat: (messages, opts) => runtime.chat(ref, messages, opts),
    complete: (prompt, opts) => runtime.complete(ref, prompt, opts),
    embed: (inputs, opts) => runtime.embed(ref, inputs, opts),
    rerank: (query, documents, opts) => runtime.rerank(ref, query, documents, opts),
    contextSize: () => runtime.contextSize(ref),
    countTokens: async (text) => (await runtime.tokenize(ref, text)).length,
    countChatTokens: (messages, opts) => runtime.countChat(ref, messages, opts),
    continuationTokens: (messages) => runtime.continuationTokens(ref, messages),
  };
}
