import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { FreeholdError } from "../../errors.ts";
import type { Backend } from "../../gateway/types.ts";
import type { ChatMessage, GenerateOptions, GenerateResult } from "../../runtime/types.ts";
import { parseBody } from "../validate.ts";
import { thinkingWanted } from "./capabilities.ts";
import { checkNumCtx, commonOptions } from "./options.ts";
import { loadOrUnload } from "./preload.ts";
import { logprobsOut, runGeneration } from "./run.ts";
import { messagesFrom, toolCallsOut, toolsFrom } from "./translate.ts";
import { chatSchema } from "./wire.ts";

/** POST /api/chat: a conversation's next assistant message. */
export function chatRoute(server: FastifyInstance, app: App) {
  server.post("/api/chat", async (req, reply) => {
    const body = parseBody(chatSchema, req.body);
    const opts = commonOptions(body);
    // No messages: Ollama's idiom to load (or, with keep_alive 0, unload) a model.
    if (!body.messages?.length) {
      const res = await loadOrUnload(app, body.model, opts.keepAliveMs);
      return reply.send({ ...res, message: { role: "assistant", content: "" } });
    }
    const messages = messagesFrom(body.model, body.messages);
    const tools = toolsFrom(body.tools);
    if (tools) opts.tools = tools;
    const thinking = await thinkingWanted(app, body.model, body.think);
    return runGeneration(app, req, reply, {
      model: body.model,
      stream: body.stream ?? true,
      opts,
      call: async (backend, o) => {
        await checkNumCtx(backend, body.model, body.options?.num_ctx);
        return chatWithinContext(backend, messages, o);
      },
      piece: (d) => {
        const thinkingText = thinking ? d.reasoning : undefined;
        const toolCalls = toolCallsOut(d.toolCalls);
        const logprobs = logprobsOut(d.logprobs);
        if (!d.text && !thinkingText && !toolCalls && !logprobs) return undefined;
        return {
          message: {
            role: "assistant", content: d.text ?? "",
            ...(thinkingText ? { thinking: thinkingText } : {}),
            ...(toolCalls ? { tool_calls: toolCalls } : {}),
          },
          ...(logprobs ? { logprobs } : {}),
        };
      },
      last: (r) => {
        if (!r) return { message: { role: "assistant", content: "" } };
        const toolCalls = toolCallsOut(r.toolCalls);
        const logprobs = logprobsOut(r.logprobs);
        return {
          message: {
            role: "assistant", content: r.text,
            ...(thinking && r.reasoning ? { thinking: r.reasoning } : {}),
            ...(toolCalls ? { tool_calls: toolCalls } : {}),
          },
          ...(logprobs ? { logprobs } : {}),
        };
      },
    });
  });
}

/**
 * Ollama's way with a conversation longer than the context: the oldest turns go (system messages
 * and the latest message stay) until it fits, rather than a 400 as on /v1. A tool call goes with
 * its results. The overflow is found before anything is generated, so each retry costs only the
 * template's tokenization.
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
