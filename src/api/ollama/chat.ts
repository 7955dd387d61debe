import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { chatWithinContext } from "../../gateway/fitContext.ts";
import { parseBody } from "../validate.ts";
import { thinkingWanted } from "./capabilities.ts";
import { commonOptions } from "./options.ts";
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
      const res = await loadOrUnload(app, body.model, opts.keepAliveMs, opts.contextSize);
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
      call: (backend, o) => chatWithinContext(backend, messages, o),
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
