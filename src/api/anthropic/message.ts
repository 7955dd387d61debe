import { randomBytes } from "node:crypto";
import type { Delta, GenerateResult, ToolCall, ToolCallPart } from "../../runtime/types.ts";

/**
 * An Anthropic message's content blocks (thinking, text, tool_use), built from a generation's
 * deltas as they come and completed from its result, so a streamed answer and a whole one are
 * the same. With `emit`, each step is also a Messages streaming event (content_block_start,
 * content_block_delta, content_block_stop), in the order Anthropic sends them.
 */

export type Emit = (type: string, body: Record<string, unknown>) => void;

type Block = Record<string, unknown> & { type: string };
type Open =
  | { kind: "thinking"; index: number; text: string }
  | { kind: "text"; index: number; text: string }
  | { kind: "tool"; index: number; block: Block; json: string; partIndex?: number };

export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

export class ContentBuilder {
  readonly blocks: Block[] = [];
  private open?: Open;
  private text = "";
  private thinkingText = "";
  private wholeCalls = 0;
  private partsSeen = false;

  /** `thinking`: whether thinking blocks are wanted (the request enabled thinking). */
  constructor(private readonly thinking: boolean, private readonly emit?: Emit) {}

  push(d: Delta): void {
    if (d.reasoning && this.thinking) this.think(d.reasoning);
    if (d.text) this.say(d.text);
    for (const p of d.toolCallParts ?? []) this.callPart(p);
    if (d.toolCalls?.length && !this.partsSeen) {
      for (const c of d.toolCalls) this.wholeCall(c);
      this.wholeCalls += d.toolCalls.length;
    }
  }

  /** What the result has that was not streamed (all of it for a whole answer); closes the last block. */
  finish(r: GenerateResult): void {
    const restOf = (full: string, seen: string) => (full.startsWith(seen) ? full.slice(seen.length) : "");
    const thought = restOf(r.reasoning ?? "", this.thinkingText);
    if (thought && this.thinking) this.think(thought);
    const text = restOf(r.text, this.text);
    if (text || (!this.blocks.some((b) => b.type === "text") && !r.toolCalls?.length)) this.say(text);
    if (!this.partsSeen) for (const c of r.toolCalls?.slice(this.wholeCalls) ?? []) this.wholeCall(c);
    this.close();
  }

  private think(delta: string): void {
    if (this.open?.kind !== "thinking") this.start({ kind: "thinking", index: 0, text: "" }, { type: "thinking", thinking: "", signature: "" });
    const o = this.open as Extract<Open, { kind: "thinking" }>;
    o.text += delta;
    this.thinkingText += delta;
    this.emit?.("content_block_delta", { index: o.index, delta: { type: "thinking_delta", thinking: delta } });
  }

  private say(delta: string): void {
    if (this.open?.kind !== "text") this.start({ kind: "text", index: 0, text: "" }, { type: "text", text: "" });
    const o = this.open as Extract<Open, { kind: "text" }>;
    o.text += delta;
    this.text += delta;
    if (delta) this.emit?.("content_block_delta", { index: o.index, delta: { type: "text_delta", text: delta } });
  }

  private callPart(p: ToolCallPart): void {
    this.partsSeen = true;
    if (this.open?.kind !== "tool" || this.open.partIndex !== p.index) {
      const block = { type: "tool_use", id: toolUseId(p.id), name: p.name ?? "", input: {} };
      this.start({ kind: "tool", index: 0, block, json: "", partIndex: p.index }, block);
    }
    const o = this.open as Extract<Open, { kind: "tool" }>;
    if (p.arguments) {
      o.json += p.arguments;
      this.emit?.("content_block_delta", { index: o.index, delta: { type: "input_json_delta", partial_json: p.arguments } });
    }
  }

  private wholeCall(c: ToolCall): void {
    const block = { type: "tool_use", id: toolUseId(c.id), name: c.name, input: {} };
    this.start({ kind: "tool", index: 0, block, json: c.arguments }, block);
    if (c.arguments) this.emit?.("content_block_delta", { index: this.open!.index, delta: { type: "input_json_delta", partial_json: c.arguments } });
  }

  private start(open: Open, block: Block): void {
    this.close();
    open.index = this.blocks.length;
    this.blocks.push(block);
    this.open = open;
    this.emit?.("content_block_start", { index: open.index, content_block: structuredClone(block) });
  }

  private close(): void {
    const o = this.open;
    if (!o) return;
    this.open = undefined;
    if (o.kind === "thinking") this.blocks[o.index] = { type: "thinking", thinking: o.text, signature: "" };
    else if (o.kind === "text") this.blocks[o.index] = { type: "text", text: o.text };
    else this.blocks[o.index] = { ...o.block, input: parseInput(o.json) };
    this.emit?.("content_block_stop", { index: o.index });
  }
}

/** Tool calls keep their ids (the client sends them back in tool_result); Anthropic's look like toolu_…. */
const toolUseId = (id: string | undefined) => id ?? newId("toolu");

function parseInput(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json || "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return {};
  }
}

export type StopReason = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use";

export function stopReason(r: GenerateResult): StopReason {
  if (r.finishReason === "length") return "max_tokens"; // a call cut short too: its input is partial
  if (r.toolCalls?.length) return "tool_use";
  if (r.stopSequence !== undefined) return "stop_sequence";
  return "end_turn";
}

/** As Anthropic counts: input_tokens are the prompt tokens evaluated now; those reused from the prompt cache are cache reads. */
export function usageOf(r: GenerateResult) {
  const cached = r.usage.cachedPromptTokens ?? 0;
  return { input_tokens: r.usage.promptTokens - cached, cache_creation_input_tokens: 0, cache_read_input_tokens: cached, output_tokens: r.usage.completionTokens };
}

/** The Message object, in Anthropic's field order. */
export function messageObject(id: string, model: string, blocks: Block[], r?: GenerateResult, promptTokens = 0) {
  return {
    id, type: "message", role: "assistant", model, content: blocks,
    stop_reason: r ? stopReason(r) : null, stop_sequence: r?.stopSequence ?? null,
    usage: r ? usageOf(r) : { input_tokens: promptTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 0 },
  };
}
