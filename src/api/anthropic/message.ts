import { randomBytes } from "node:crypto";
import type { GenerateResult } from "../../runtime/types.ts";
import { AnswerParts, argumentsObject, type Part, type PartSink } from "../answerParts.ts";

/**
 * An Anthropic message's content blocks (thinking, text, tool_use), built from the answer's parts
 * (src/api/answerParts.ts) as they stream, so a streamed answer and a whole one are the same.
 * With `emit`, each step is also a Messages streaming event (content_block_start,
 * content_block_delta, content_block_stop), in the order Anthropic sends them.
 */

export type Emit = (type: string, body: Record<string, unknown>) => void;

type Block = Record<string, unknown> & { type: string };

export const newId = (prefix: string) => `${prefix}_${randomBytes(12).toString("hex")}`;

export class ContentBuilder implements PartSink {
  readonly blocks: Block[] = [];
  private readonly parts: AnswerParts;

  /** `thinking`: whether thinking blocks are wanted (the request enabled thinking). */
  constructor(thinking: boolean, private readonly emit: Emit = () => {}) {
    // Tool calls keep their ids (the client sends them back in tool_result); new ones look like Anthropic's.
    this.parts = new AnswerParts(this, thinking, () => newId("toolu"));
  }

  push: AnswerParts["push"] = (d) => this.parts.push(d);
  finish = (r: GenerateResult) => this.parts.finish(r);

  open(part: Part): void {
    const block = part.kind === "reasoning" ? { type: "thinking", thinking: "", signature: "" }
      : part.kind === "text" ? { type: "text", text: "" }
      : { type: "tool_use", id: part.call!.id, name: part.call!.name, input: {} };
    this.blocks.push(block);
    this.emit("content_block_start", { index: part.index, content_block: structuredClone(block) });
  }

  grow(part: Part, piece: string): void {
    if (!piece) return;
    const delta = part.kind === "reasoning" ? { type: "thinking_delta", thinking: piece }
      : part.kind === "text" ? { type: "text_delta", text: piece }
      : { type: "input_json_delta", partial_json: piece };
    this.emit("content_block_delta", { index: part.index, delta });
  }

  close(part: Part): void {
    const block = this.blocks[part.index];
    this.blocks[part.index] = part.kind === "reasoning" ? { ...block, thinking: part.text }
      : part.kind === "text" ? { ...block, text: part.text }
      : { ...block, input: argumentsObject(part.text) };
    this.emit("content_block_stop", { index: part.index });
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
