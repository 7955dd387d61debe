import { randomBytes } from "node:crypto";
import type { Delta, GenerateResult, TokenLogprob, ToolCall, ToolCallPart } from "../../../runtime/types.ts";
import type { ResponseRequest } from "./schema.ts";

/**
 * A response's output items (reasoning, an assistant message, function calls), built from the
 * deltas of a generation as they come and completed from its result, so a streamed answer and a
 * whole one are the same objects. With `emit`, every step is also a Responses streaming event,
 * in the order OpenAI sends them (item added, part added, deltas, done events).
 */

export type Emit = (type: string, body: Record<string, unknown>) => void;

type Item = Record<string, unknown> & { id: string; type: string };
type Open =
  | { kind: "reasoning"; index: number; item: Item; text: string }
  | { kind: "message"; index: number; item: Item; text: string; logprobs: unknown[] }
  | { kind: "call"; index: number; item: Item; args: string; partIndex?: number };

export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

export class OutputBuilder {
  readonly items: Item[] = [];
  private open?: Open;
  private text = "";
  private reasoningText = "";
  private wholeCalls = 0;
  /** Streamed call parts: the first part of each call has its id and name. */
  private partsSeen = false;
  private logprobsSeen = 0;
  /** Logprobs can come ahead of their text (a token may be half a character): held for the next piece. */
  private pending: TokenLogprob[] = [];

  constructor(private readonly emit?: Emit) {}

  /** One streamed piece of the answer. */
  push(d: Delta): void {
    if (d.reasoning) this.reasoning(d.reasoning);
    if (d.logprobs?.length) {
      this.pending.push(...d.logprobs);
      this.logprobsSeen += d.logprobs.length;
    }
    if (d.text) this.message(d.text, this.pending.splice(0));
    for (const p of d.toolCallParts ?? []) this.callPart(p);
    if (d.toolCalls?.length && !this.partsSeen) {
      for (const c of d.toolCalls) this.wholeCall(c);
      this.wholeCalls += d.toolCalls.length;
    }
  }

  /** What the result has that was not streamed (all of it for a whole answer); closes the last item. */
  finish(r: GenerateResult): void {
    const restOf = (full: string, seen: string) => (full.startsWith(seen) ? full.slice(seen.length) : "");
    const reasoning = restOf(r.reasoning ?? "", this.reasoningText);
    if (reasoning) this.reasoning(reasoning);
    const text = restOf(r.text, this.text);
    this.pending.push(...(r.logprobs?.slice(this.logprobsSeen) ?? []));
    if (text || this.pending.length || (!this.items.some((i) => i.type === "message") && !r.toolCalls?.length)) this.message(text, this.pending.splice(0));
    if (!this.partsSeen) for (const c of r.toolCalls?.slice(this.wholeCalls) ?? []) this.wholeCall(c);
    this.close(r.finishReason === "length" ? "incomplete" : "completed");
  }

  private reasoning(delta: string): void {
    if (this.open?.kind !== "reasoning") {
      this.close("completed");
      const item: Item = { id: newId("rs"), type: "reasoning", summary: [], content: [] };
      this.open = { kind: "reasoning", index: this.add(item), item, text: "" };
      this.emit?.("response.content_part.added", { item_id: item.id, output_index: this.open.index, content_index: 0, part: { type: "reasoning_text", text: "" } });
    }
    this.open.text += delta;
    this.reasoningText += delta;
    this.emit?.("response.reasoning_text.delta", { item_id: this.open.item.id, output_index: this.open.index, content_index: 0, delta });
  }

  private message(delta: string, logprobs: TokenLogprob[]): void {
    if (this.open?.kind !== "message") {
      this.close("completed");
      const item: Item = { id: newId("msg"), type: "message", status: "in_progress", role: "assistant", content: [] };
      this.open = { kind: "message", index: this.add(item), item, text: "", logprobs: [] };
      this.emit?.("response.content_part.added", { item_id: item.id, output_index: this.open.index, content_index: 0, part: outputText("", []) });
    }
    const lps = logprobs.map(wireLogprob);
    this.open.text += delta;
    this.open.logprobs.push(...lps);
    this.text += delta;
    if (delta) this.emit?.("response.output_text.delta", { item_id: this.open.item.id, output_index: this.open.index, content_index: 0, delta, logprobs: lps });
  }

  private callPart(p: ToolCallPart): void {
    this.partsSeen = true;
    if (this.open?.kind !== "call" || this.open.partIndex !== p.index) {
      this.close("completed");
      const item: Item = { id: newId("fc"), type: "function_call", status: "in_progress", call_id: p.id ?? newId("call"), name: p.name ?? "", arguments: "" };
      this.open = { kind: "call", index: this.add(item), item, args: "", partIndex: p.index };
    }
    if (p.arguments) {
      this.open.args += p.arguments;
      this.emit?.("response.function_call_arguments.delta", { item_id: this.open.item.id, output_index: this.open.index, delta: p.arguments });
    }
  }

  private wholeCall(c: ToolCall): void {
    this.close("completed");
    const item: Item = { id: newId("fc"), type: "function_call", status: "in_progress", call_id: c.id, name: c.name, arguments: "" };
    this.open = { kind: "call", index: this.add(item), item, args: c.arguments };
    if (c.arguments) this.emit?.("response.function_call_arguments.delta", { item_id: item.id, output_index: this.open.index, delta: c.arguments });
  }

  private add(item: Item): number {
    this.items.push(item);
    this.emit?.("response.output_item.added", { output_index: this.items.length - 1, item: structuredClone(item) });
    return this.items.length - 1;
  }

  /** Completes the open item: its final form replaces the placeholder, with the done events. */
  private close(status: "completed" | "incomplete"): void {
    const o = this.open;
    if (!o) return;
    this.open = undefined;
    const at = { item_id: o.item.id, output_index: o.index };
    let done: Item;
    if (o.kind === "reasoning") {
      const part = { type: "reasoning_text", text: o.text };
      this.emit?.("response.reasoning_text.done", { ...at, content_index: 0, text: o.text });
      this.emit?.("response.content_part.done", { ...at, content_index: 0, part });
      done = { ...o.item, content: [part] };
    } else if (o.kind === "message") {
      const part = outputText(o.text, o.logprobs);
      this.emit?.("response.output_text.done", { ...at, content_index: 0, text: o.text, logprobs: o.logprobs });
      this.emit?.("response.content_part.done", { ...at, content_index: 0, part });
      done = { ...o.item, status, content: [part] };
    } else {
      this.emit?.("response.function_call_arguments.done", { ...at, name: o.item.name, arguments: o.args });
      done = { ...o.item, status, arguments: o.args };
    }
    this.items[o.index] = done;
    this.emit?.("response.output_item.done", { output_index: o.index, item: done });
  }
}

const outputText = (text: string, logprobs: unknown[]) => ({ type: "output_text", text, annotations: [], logprobs });

const wireLogprob = (t: TokenLogprob) => ({
  token: t.token, logprob: t.logprob, bytes: t.bytes, top_logprobs: t.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: a.bytes })),
});

/** The Response object, in OpenAI's field order; `usage` and the final status once the answer is done. */
export function responseObject(args: {
  id: string; createdAt: number; req: ResponseRequest; store: boolean;
  status: "in_progress" | "completed" | "incomplete" | "failed";
  output: Item[]; result?: GenerateResult; error?: { code: string; message: string };
}) {
  const { req, result } = args;
  return {
    id: args.id, object: "response", created_at: args.createdAt, status: args.status, background: false,
    error: args.error ?? null,
    incomplete_details: args.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: req.instructions ?? null, max_output_tokens: req.max_output_tokens ?? null, model: req.model,
    output: args.output, parallel_tool_calls: req.parallel_tool_calls ?? true, previous_response_id: req.previous_response_id ?? null,
    reasoning: { effort: req.reasoning?.effort ?? null, summary: req.reasoning?.summary ?? null },
    store: args.store, temperature: req.temperature ?? 1, text: { format: req.text?.format ?? { type: "text" } },
    tool_choice: req.tool_choice ?? "auto", tools: req.tools ?? [], top_p: req.top_p ?? 1, truncation: req.truncation ?? "disabled",
    usage: result ? {
      input_tokens: result.usage.promptTokens,
      input_tokens_details: { cached_tokens: result.usage.cachedPromptTokens ?? 0 },
      output_tokens: result.usage.completionTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: result.usage.promptTokens + result.usage.completionTokens,
    } : null,
    user: req.user ?? null, metadata: req.metadata ?? {},
  };
}

export type ResponseObject = ReturnType<typeof responseObject>;
