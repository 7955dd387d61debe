import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { cacheScopeOf } from "../../auth/hook.ts";
import type { Backend } from "../../gateway/types.ts";
import type { Delta, GenerateResult, TokenLogprob } from "../../runtime/types.ts";
import { forcedToolCall, mustCallTool } from "./forcedTools.ts";
import { checkBudget, runChoices, type OpenAIOptions, type StreamHooks } from "./generate.ts";
import { parseWire } from "./parse.ts";
import { chatChunk, chatCompletion, chatLogprobs, deltaFields, finishReason, newMeta, usage, usageChunk, type Meta } from "./present.ts";
import { chatRequest } from "./schemas.ts";
import { SseStream } from "./sse.ts";
import { chatPlan, rejectUnsupported, type ChatPlan } from "./translate.ts";

export function chatRoutes(server: FastifyInstance, app: App, opts: OpenAIOptions) {
  server.post("/v1/chat/completions", async (req, reply) => {
    const body = parseWire(chatRequest, req.body);
    rejectUnsupported(req.body as Record<string, unknown>);
    const plan = chatPlan(body);
    const backend = await app.gateway.resolve(plan.model);
    await checkBudget(plan, backend, opts);
    const meta = newMeta("chatcmpl", plan.model);
    const forced = mustCallTool(backend, plan.opts);
    const cacheScope = cacheScopeOf(req);
    const run = (_: number, o: Parameters<Backend["chat"]>[1]) =>
      forced ? forcedToolCall(backend, plan.messages, { ...o, cacheScope }) : backend.chat(plan.messages, { ...o, cacheScope });
    if (!plan.stream) {
      return chatCompletion(meta, await runChoices({ reply, plan, count: plan.n, run }));
    }
    const sse = new SseStream(req, reply);
    try {
      const results = await runChoices({ reply, plan, count: plan.n, run, hooks: chatStream(sse, meta, plan) });
      if (plan.includeUsage) sse.send(usageChunk(meta, "chat.completion.chunk", usage(results)));
      sse.end();
    } catch (e) {
      sse.fail(e);
    }
    return reply;
  });
}

/**
 * Deltas → chunks for each choice: the first carries `role`, tool calls get running indexes,
 * and the last has an empty delta and the finish reason. Whatever the backend returned but did
 * not stream (an upstream that only answers whole, tool calls parsed at the end, their
 * log-probabilities) is sent before the finish chunk, so the concatenated deltas always equal
 * the full answer.
 */
function chatStream(sse: SseStream, meta: Meta, plan: ChatPlan): StreamHooks {
  // tools: whole calls seen; partsBase: the index the parts' calls start from, once parts came
  // (the same calls then also come whole at the end: counted, not sent again).
  const state = Array.from({ length: plan.n }, () => ({ roleSent: false, text: "", reasoning: "", tools: 0, partsBase: -1, logprobs: [] as TokenLogprob[], logprobsSeen: 0 }));
  const emit = (i: number, delta: Record<string, unknown>, logprobs: unknown, finish: string | null) => {
    const s = state[i];
    if (!s.roleSent) delta = { role: "assistant", ...delta };
    s.roleSent = true;
    sse.send(chatChunk(meta, [{ index: i, delta, logprobs, finish_reason: finish }], plan.includeUsage));
  };
  const push = (i: number, d: Delta) => {
    const s = state[i];
    // Logprobs may arrive ahead of their text: held until the next piece goes out.
    if (d.logprobs?.length) {
      s.logprobs.push(...d.logprobs);
      s.logprobsSeen += d.logprobs.length;
    }
    if (d.toolCallParts?.length && s.partsBase < 0) s.partsBase = s.tools;
    const whole = s.partsBase < 0 ? d.toolCalls : undefined;
    const fields = deltaFields({ ...d, toolCalls: whole }, s.partsBase < 0 ? s.tools : s.partsBase);
    s.tools += d.toolCalls?.length ?? 0;
    if (Object.keys(fields).length === 0) return;
    s.text += d.text ?? "";
    s.reasoning += d.reasoning ?? "";
    emit(i, fields, s.logprobs.length ? chatLogprobs(s.logprobs.splice(0)) : null, null);
  };
  return {
    onDelta: push,
    onDone(i: number, r: GenerateResult) {
      const s = state[i];
      push(i, {
        text: rest(r.text, s.text), reasoning: rest(r.reasoning ?? "", s.reasoning), toolCalls: r.toolCalls?.slice(s.tools),
        logprobs: r.logprobs?.slice(s.logprobsSeen),
      });
      emit(i, s.roleSent ? {} : { content: "" }, s.logprobs.length ? chatLogprobs(s.logprobs.splice(0)) : null, finishReason(r.finishReason));
    },
  };
}

/** The unstreamed tail of `full`, when the streamed part is its prefix. */
const rest = (full: string, streamed: string) => (full.startsWith(streamed) ? full.slice(streamed.length) : "");
