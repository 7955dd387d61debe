import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { cacheScopeOf } from "../../auth/hook.ts";
import type { Backend } from "../../gateway/types.ts";
import { invalid } from "../../errors.ts";
import type { GenerateResult } from "../../runtime/types.ts";
import { anthropicError } from "../errors.ts";
import { forcedToolCall, mustCallTool } from "../openai/forcedTools.ts";
import { runChoices, type OpenAIOptions } from "../openai/generate.ts";
import { parseWire } from "../openai/parse.ts";
import { SseStream } from "../openai/sse.ts";
import { ContentBuilder, messageObject, newId, stopReason, usageOf, type Emit } from "./message.ts";
import { countTokensRequest, messagesRequest } from "./schema.ts";
import { messagesPlan } from "./translate.ts";

/**
 * Anthropic's Messages API (POST /v1/messages and /v1/messages/count_tokens), so Claude Code and
 * the Anthropic SDKs can use local models, on the same generation path as /v1/chat/completions.
 * Keys may come as `x-api-key`, as Anthropic's clients send them; errors take Anthropic's shape.
 */
export function messagesRoutes(server: FastifyInstance, app: App, opts: OpenAIOptions) {
  server.post("/v1/messages", async (req, reply) => {
    const body = parseWire(messagesRequest, req.body);
    const plan = messagesPlan(body);
    const backend = await app.gateway.resolve(plan.model);
    // Claude Code asks for up to 32,000 tokens whatever the model: a ceiling, as Ollama takes it,
    // not a request to refuse. It is capped at the server's limit or the model's context (the
    // runtime also stops where the context ends); upstreams get it as sent.
    const cap = opts.maxTokensLimit ?? (backend.kind === "local" ? await backend.contextSize() : undefined);
    if (cap !== undefined && plan.opts.maxTokens !== undefined && plan.opts.maxTokens > cap) plan.opts.maxTokens = cap;
    const id = newId("msg");
    const thinking = body.thinking?.type === "enabled";
    const cacheScope = cacheScopeOf(req);
    const forced = mustCallTool(backend, plan.opts);
    const run = (_: number, o: Parameters<Backend["chat"]>[1]) =>
      forced ? forcedToolCall(backend, plan.messages, { ...o, cacheScope }) : backend.chat(plan.messages, { ...o, cacheScope });

    if (!plan.stream) {
      const [result] = await runChoices({ reply, plan, count: 1, run });
      const content = new ContentBuilder(thinking);
      content.finish(result);
      return messageObject(id, body.model, content.blocks, result);
    }

    // message_start waits for the first output, so that a request refused before anything is
    // generated (queue full, prompt too long) still gets its own status code.
    const sse = new SseStream(req, reply);
    let promptTokens = 0;
    let begun = false;
    const send: Emit = (type, fields) => sse.event(type, { type, ...fields });
    const emit: Emit = (type, fields) => {
      if (!begun) {
        begun = true;
        send("message_start", { message: messageObject(id, body.model, [], undefined, promptTokens) });
      }
      send(type, fields);
    };
    const content = new ContentBuilder(thinking, emit);
    try {
      const [result] = await runChoices({
        reply, plan, count: 1, run,
        hooks: {
          onDelta: (_, d) => {
            if (d.promptTokens !== undefined) promptTokens = d.promptTokens;
            content.push(d);
          },
          onDone: (_, r: GenerateResult) => content.finish(r),
        },
      });
      emit("message_delta", { delta: { stop_reason: stopReason(result), stop_sequence: result.stopSequence ?? null }, usage: usageOf(result) });
      sse.end("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
    } catch (e) {
      sse.fail(e, (err) => `event: error\ndata: ${JSON.stringify(anthropicError(err))}\n\n`);
    }
    return reply;
  });

  /** The prompt's length as the model would see it: the conversation through its chat template, tools included. */
  server.post("/v1/messages/count_tokens", async (req) => {
    const body = parseWire(countTokensRequest, req.body);
    const plan = messagesPlan({ ...body, max_tokens: 1, stream: false });
    const backend = await app.gateway.resolve(plan.model);
    if (!backend.countChatTokens) throw invalid(`counting tokens needs a local model: "${plan.model}" is served by an upstream engine`, "model");
    return { input_tokens: await backend.countChatTokens(plan.messages, plan.opts) };
  });
}
