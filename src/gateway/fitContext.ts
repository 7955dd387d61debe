import { FreeholdError } from "../errors.ts";
import type { ChatMessage, GenerateOptions, GenerateResult } from "../runtime/types.ts";
import type { Backend } from "./types.ts";

/**
 * A conversation longer than the model's context loses its oldest turns (system messages and the
 * latest turn stay) until it fits, as Ollama does, rather than failing: for Ollama's /api/chat,
 * the web app's chat and `freehold run` (OpenAI's /v1 answers 400 instead). A turn is a user
 * message with everything up to the next one (answers, tool calls and their results), so the
 * rest still alternates as chat templates expect. The overflow is found before anything is
 * generated, so each retry costs only the template's tokenization.
 */
export async function withinContext<T>(messages: ChatMessage[], send: (messages: ChatMessage[]) => Promise<T>): Promise<{ result: T; sent: ChatMessage[]; dropped: number }> {
  let sent = messages;
  for (let dropped = 0; ; dropped++) {
    try {
      return { result: await send(sent), sent, dropped };
    } catch (e) {
      const shorter = e instanceof FreeholdError && e.code === "context_length_exceeded" ? dropOldestTurn(sent) : undefined;
      if (!shorter) throw e;
      sent = shorter;
    }
  }
}

export async function chatWithinContext(backend: Backend, messages: ChatMessage[], opts: GenerateOptions): Promise<GenerateResult> {
  return (await withinContext(messages, (m) => backend.chat(m, opts))).result;
}

function dropOldestTurn(messages: ChatMessage[]): ChatMessage[] | undefined {
  const start = messages.findIndex((m) => m.role !== "system");
  const next = messages.findIndex((m, i) => i > start && m.role === "user");
  if (start < 0 || next < 0) return undefined; // only the latest turn is left
  // System messages inside the dropped turn stay.
  return [...messages.slice(0, start), ...messages.slice(start, next).filter((m) => m.role === "system"), ...messages.slice(next)];
}
