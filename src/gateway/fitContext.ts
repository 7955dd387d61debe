import { FreeholdError } from "../errors.ts";
import type { ChatMessage, GenerateOptions, GenerateResult } from "../runtime/types.ts";
import type { Backend } from "./types.ts";

/**
 * A conversation longer than the model's context loses its oldest turns (system messages and the
 * latest message stay) until it fits, as Ollama does, rather than failing: for Ollama's /api/chat
 * and the web app's chat (OpenAI's /v1 answers 400 instead). A tool call goes with its results.
 * The overflow is found before anything is generated, so each retry costs only the template's
 * tokenization.
 */
export async function chatWithinContext(backend: Backend, messages: ChatMessage[], opts: GenerateOptions): Promise<GenerateResult> {
  let kept = messages;
  for (;;) {
    try {
      return await backend.chat(kept, opts);
    } catch (e) {
      const shorter = e instanceof FreeholdError && e.code === "context_length_exceeded" ? dropOldestTurn(kept) : undefined;
      if (!shorter) throw e;
      kept = shorter;
    }
  }
}

function dropOldestTurn(messages: ChatMessage[]): ChatMessage[] | undefined {
  const at = messages.findIndex((m) => m.role !== "system");
  if (at < 0 || at >= messages.length - 1) return undefined; // only the latest message is left
  let end = at + 1;
  while (end < messages.length - 1 && messages[end].role === "tool") end++;
  return [...messages.slice(0, at), ...messages.slice(end)];
}
