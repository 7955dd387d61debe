import { randomBytes } from "node:crypto";
import type { Delta, FinishReason, GenerateResult, ToolCall, ToolCallPart } from "../runtime/types.ts";
import { upstreamStreamError } from "./upstreamErrors.ts";
import { chatLogprobs, finishReason, reasoningOf, textLogprobs, usageOf } from "./upstreamWire.ts";

export interface StreamArgs {
  name: string;
  kind: "chat" | "text";
  onDelta?: (d: Delta) => void;
  startedAt: number;
  key?: string;
}

/**
 * An upstream's streamed chunks → Deltas as they come, and the whole GenerateResult at the end.
 * Text and reasoning pass through piece by piece. Tool calls arrive as fragments (id and name
 * first, arguments in pieces, keyed by index): they are passed on as they come (`toolCallParts`),
 * and whole once their choice finishes (`toolCalls`, for clients that take calls whole).
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
  private usage: Record<string, unknown> | undefined;
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
      if (Array.isArray(delta.tool_calls)) {
        const parts = delta.tool_calls.map((tc: unknown) => mergeCall(this.calls, tc)).filter((p: ToolCallPart | undefined) => p !== undefined);
        if (parts.length) d.toolCallParts = parts;
      }
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
    if (d.text || d.reasoning || d.logprobs || d.toolCallParts) {
      this.firstAt ||= performance.now();
      if (d.text || d.reasoning) this.pieces++;
      if (d.text) this.text += d.text;
      if (d.reasoning) this.reasoning += d.reasoning;
      if (d.logprobs) this.logprobs.push(...d.logprobs);
      onDelta?.(d);
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
      usage: usageOf(usage, this.pieces),
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

/**
 * Adds a fragment to its call; returns what it adds, as a part to pass on (undefined when it adds
 * nothing). Calls are numbered from 0 in the order they first appear, whatever indexes the
 * upstream uses. Some servers send no call ids: one is made up with the first fragment, so the
 * streamed and the final calls agree.
 */
function mergeCall(calls: Map<number, ToolCall>, tc: any): ToolCallPart | undefined {
  if (!tc || typeof tc !== "object") return undefined;
  const key = typeof tc.index === "number" ? tc.index : calls.size;
  const index = [...calls.keys()].indexOf(key);
  const call = calls.get(key) ?? { id: "", name: "", arguments: "" };
  const part: ToolCallPart = { index: index < 0 ? calls.size : index };
  if (index < 0) {
    call.id = tc.id ? String(tc.id) : `call_${randomBytes(12).toString("hex")}`;
    part.id = call.id;
    calls.set(key, call);
  }
  const name = tc.function?.name ? String(tc.function.name) : "";
  const args = tc.function?.arguments ? String(tc.function.arguments) : "";
  call.name += name;
  call.arguments += args;
  if (name) part.name = name;
  if (args) part.arguments = args;
  return part.id || name || args ? part : undefined;
}

function toolList(calls: Map<number, ToolCall>): ToolCall[] {
  return [...calls.values()].map((c) => ({ ...c }));
}
