import { randomBytes } from "node:crypto";
import type { GenerateResult, TokenLogprob } from "../../../runtime/types.ts";
import { AnswerParts, type Part, type PartSink } from "../../answerParts.ts";
import type { ResponseRequest } from "./schema.ts";

/**
 * A response's output items (reasoning, the assistant message, function calls), built from the
 * answer's parts (src/api/answerParts.ts) as they stream, so a streamed answer and a whole one
 * are the same objects. With `emit`, every step is also a Responses streaming event, in the
 * order OpenAI sends them (item added, part added, deltas, done events).
 */

export type Emit = (type: string, body: Record<string, unknown>) => void;

type Item = Record<string, unknown> & { id: string; type: string };

export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

export class OutputBuilder implements PartSink {
  readonly items: Item[] = [];
  private readonly parts: AnswerParts;

  constructor(private readonly emit: Emit = () => {}) {
    this.parts = new AnswerParts(this, true, () => newId("call"));
  }

  push: AnswerParts["push"] = (d) => this.parts.push(d);
  finish = (r: GenerateResult) => this.parts.finish(r);

  open(part: Part): void {
    const item: Item = part.kind === "reasoning" ? { id: newId("rs"), type: "reasoning", summary: [], content: [] }
      : part.kind === "text" ? { id: newId("msg"), type: "message", status: "in_progress", role: "assistant", content: [] }
      : { id: newId("fc"), type: "function_call", status: "in_progress", call_id: part.call!.id, name: part.call!.name, arguments: "" };
    this.items.push(item);
    this.emit("response.output_item.added", { output_index: part.index, item: structuredClone(item) });
    if (part.kind === "call") return;
    const empty = part.kind === "reasoning" ? { type: "reasoning_text", text: "" } : outputText("", []);
    this.emit("response.content_part.added", { item_id: item.id, output_index: part.index, content_index: 0, part: empty });
  }

  grow(part: Part, piece: string, logprobs: TokenLogprob[]): void {
    const at = { item_id: this.items[part.index].id, output_index: part.index };
    if (part.kind === "call") this.emit("response.function_call_arguments.delta", { ...at, delta: piece });
    else if (part.kind === "reasoning") this.emit("response.reasoning_text.delta", { ...at, content_index: 0, delta: piece });
    else if (piece) this.emit("response.output_text.delta", { ...at, content_index: 0, delta: piece, logprobs: logprobs.map(wireLogprob) });
  }

  close(part: Part, cut: boolean): void {
    const item = this.items[part.index];
    const at = { item_id: item.id, output_index: part.index };
    const status = cut ? "incomplete" : "completed";
    let done: Item;
    if (part.kind === "reasoning") {
      const content = { type: "reasoning_text", text: part.text };
      this.emit("response.reasoning_text.done", { ...at, content_index: 0, text: part.text });
      this.emit("response.content_part.done", { ...at, content_index: 0, part: content });
      done = { ...item, content: [content] };
    } else if (part.kind === "text") {
      const logprobs = part.logprobs.map(wireLogprob);
      const content = outputText(part.text, logprobs);
      this.emit("response.output_text.done", { ...at, content_index: 0, text: part.text, logprobs });
      this.emit("response.content_part.done", { ...at, content_index: 0, part: content });
      done = { ...item, status, content: [content] };
    } else {
      this.emit("response.function_call_arguments.done", { ...at, name: item.name, arguments: part.text });
      done = { ...item, status, arguments: part.text };
    }
    this.items[part.index] = done;
    this.emit("response.output_item.done", { output_index: part.index, item: done });
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
