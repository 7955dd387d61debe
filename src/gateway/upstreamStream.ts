import { randomBytes } from "node:crypto";
import type { Delta, FinishReason, GenerateResult, ToolCall } from "../runtime/types.ts";
import { upstreamStreamError } from "./upstreamErrors.ts";
import { chatLogprobs, finishReason, reasoningOf, textLogprobs } from "./upstreamWire.ts";

/**
 * An upstream's streamed chunks → Deltas as they come, and the whole GenerateResult at the end.
 * Text and reasoning pass through piece by piece; tool calls arrive as fragments (name first,
 * arguments in pieces, keyed by index) and are handed on whole, once their choice finishes.
 */
export async function readStream(args: {
  name: string;
  kind: "chat" | "text";
  events: AsyncIterable<string>;
  onDelta?: (d: Delta) => void;
  startedAt: number;
  key?: string;
}): Promise<GenerateResult> {
  const { kind, onDelta, startedAt } = args;
  let text = "", reasoning = "", pieces = 0, firstAt = 0;
  let finish: FinishReason | undefined;
  let usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
  const calls = new Map<number, ToolCall>();
  const logprobs: NonNullable<Delta["logprobs"]> = [];
  let callsSent = false, done = false;
  const sendCalls = () => {
    if (callsSent || !calls.size) return;
    callsSent = true;
    onDelta?.({ toolCalls: toolList(calls) });
  };

  for await (const data of args.events) {
    // Read on to the end after [DONE]: breaking off would destroy the keep-alive connection.
    if (done || data === "[DONE]") { done = true; continue; }
    let chunk: any;
    try { chunk = JSON.parse(data); } catch { continue; } // keep-alive noise some servers send
    if (chunk.error) throw upstreamStreamError(args.name, chunk.error, args.key);
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices?.[0]; // we always ask for n = 1
    if (!choice) continue;
    const d: Delta = {};
    if (kind === "chat") {
      const delta = choice.delta ?? {};
      if (typeof delta.content === "string" && delta.content) d.text = delta.content;
      const r = reasoningOf(delta);
      if (typeof r === "string" && r) d.reasoning = r;
      for (const tc of delta.tool_calls ?? []) mergeCall(calls, tc);
      const lp = chatLogprobs(choice.logprobs);
      if (lp?.length) d.logprobs = lp;
    } else {
      if (typeof choice.text === "string" && choice.text) d.text = choice.text;
      const lp = textLogprobs(choice.logprobs);
      if (lp?.length) d.logprobs = lp;
    }
    if (d.text || d.reasoning || d.logprobs || (kind === "chat" && choice.delta?.tool_calls)) {
      firstAt ||= performance.now();
      if (d.text || d.reasoning) pieces++;
      text += d.text ?? "";
      reasoning += d.reasoning ?? "";
      if (d.logprobs) logprobs.push(...d.logprobs);
      if (d.text || d.reasoning || d.logprobs) onDelta?.(d);
    }
    if (choice.finish_reason) {
      finish = finishReason(choice.finish_reason);
      sendCalls();
    }
  }
  sendCalls();
  const toolCalls = calls.size ? toolList(calls) : undefined;
  const end = performance.now();
  return {
    text, ...(reasoning ? { reasoning } : {}), ...(toolCalls ? { toolCalls } : {}),
    // A stream that ends without a finish reason but with tool calls finished by calling them.
    finishReason: finish ?? (toolCalls ? "tool_calls" : "stop"),
    // Without include_usage support upstream, one piece per token is the best estimate there is.
    usage: { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? pieces },
    timings: { queueMs: 0, loadMs: 0, firstTokenMs: firstAt ? firstAt - startedAt : end - startedAt, totalMs: end - startedAt },
    ...(logprobs.length ? { logprobs } : {}),
  };
}

function mergeCall(calls: Map<number, ToolCall>, tc: any) {
  const index = typeof tc.index === "number" ? tc.index : calls.size;
  const call = calls.get(index) ?? { id: "", name: "", arguments: "" };
  if (tc.id) call.id = String(tc.id);
  if (tc.function?.name) call.name += String(tc.function.name);
  if (tc.function?.arguments) call.arguments += String(tc.function.arguments);
  calls.set(index, call);
}

/** Some servers send no call ids; one is made up once, so the streamed and final calls agree. */
function toolList(calls: Map<number, ToolCall>): ToolCall[] {
  return [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([, c]) => {
    c.id ||= `call_${randomBytes(12).toString("hex")}`;
    return { ...c };
  });
}
