import { randomBytes } from "node:crypto";
import type { Delta, FinishReason, GenerateResult, ToolCall } from "../runtime/types.ts";
import { upstreamStreamError } from "./upstreamErrors.ts";
import { chatLogprobs, finishReason, reasoningOf, textLogprobs } from "./upstreamWire.ts";

export interface StreamArgs {
  name: string;
  kind: "chat" | "text";
  onDelta?: (d: Delta) => void;
  startedAt: number;
  key?: string;
}

/**
 * An upstream's streamed chunks → Deltas as they come, and the whole GenerateResult at the end.
 * Text and reasoning pass through piece by piece; tool calls arrive as fragments (name first,
 * arguments in pieces, keyed by index) and are handed on whole, once their choice finishes.
 */
export async function readStream(args: StreamArgs & { events: AsyncIterable<string> }): Promise<GenerateResult> {
  const reader = new StreamReader(args);
  // Read on to the end after [DONE]: breaking off would destroy the keep-alive connection.
  for await (const data of args.events) reader.event(data);
  return reader.result();
}

/**
 * Reads one streamed answer: `event` takes each SSE event's data (upstreamSse.ts) as it
 * arrives, `result` gives the whole GenerateResult at the end.
 */
export class StreamReader {
  private text = "";
  private reasoning = "";
  private pieces = 0;
  private firstAt = 0;
  private finish: FinishReason | undefined;
  private usage: { prompt_tokens?: number; completion_tokens?: number } | undefined;
  private readonly calls = new Map<number, ToolCall>();
  private readonly logprobs: NonNullable<Delta["logprobs"]> = [];
  private callsSent = false;
  private done = false;

  constructor(private readonly args: StreamArgs) {}

  event(data: string): void {
    if (this.done || data === "[DONE]") { this.done = true; return; }
    const { kind, onDelta } = this.args;
    let chunk: any;
    try { chunk = JSON.parse(data); } catch { return; } // keep-alive noise some servers send
    if (chunk.error) throw upstreamStreamError(this.args.name, chunk.error, this.args.key);
    if (chunk.usage) this.usage = chunk.usage;
    const choice = chunk.choices?.[0]; // we always ask for n = 1
    if (!choice) return;
    const d: Delta = {};
    if (kind === "chat") {
      const delta = choice.delta ?? {};
      if (typeof delta.content === "string" && delta.content) d.text = delta.content;
      const r = reasoningOf(delta);
      if (typeof r === "string" && r) d.reasoning = r;
      if (delta.tool_calls) for (const tc of delta.tool_calls) mergeCall(this.calls, tc);
      if (choice.logprobs) {
        const lp = chatLogprobs(choice.logprobs);
        if (lp?.length) d.logprobs = lp;
      }
    } else {
      if (typeof choice.text === "string" && choice.text) d.text = choice.text;
      if (choice.logprobs) {
        const lp = textLogprobs(choice.logprobs);
        if (lp?.length) d.logprobs = lp;
      }
    }
    if (d.text || d.reasoning || d.logprobs || (kind === "chat" && choice.delta?.tool_calls)) {
      this.firstAt ||= performance.now();
      if (d.text || d.reasoning) this.pieces++;
      if (d.text) this.text += d.text;
      if (d.reasoning) this.reasoning += d.reasoning;
      if (d.logprobs) this.logprobs.push(...d.logprobs);
      if (d.text || d.reasoning || d.logprobs) onDelta?.(d);
    }
    if (choice.finish_reason) {
      this.finish = finishReason(choice.finish_reason);
      this.sendCalls();
    }
  }

  result(): GenerateResult {
    this.sendCalls();
    const { calls, usage } = this;
    const { startedAt } = this.args;
    const toolCalls = calls.size ? toolList(calls) : undefined;
    const end = performance.now();
    return {
      text: this.text, ...(this.reasoning ? { reasoning: this.reasoning } : {}), ...(toolCalls ? { toolCalls } : {}),
      // A stream that ends without a finish reason but with tool calls finished by calling them.
      finishReason: this.finish ?? (toolCalls ? "tool_calls" : "stop"),
      // Without include_usage support upstream, one piece per token is the best estimate there is.
      usage: { promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? this.pieces },
      timings: { queueMs: 0, loadMs: 0, firstTokenMs: this.firstAt ? this.firstAt - startedAt : end - startedAt, totalMs: end - startedAt },
      ...(this.logprobs.length ? { logprobs: this.logprobs } : {}),
    };
  }

  private sendCalls(): void {
    if (this.callsSent || !this.calls.size) return;
    this.callsSent = true;
    this.args.onDelta?.({ toolCalls: toolList(this.calls) });
  }
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
