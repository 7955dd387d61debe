import type { Delta, GenerateResult, TokenLogprob, ToolCall, ToolCallPart } from "../runtime/types.ts";

/**
 * One answer as a sequence of parts, in the order they stream: thinking, text, and each tool
 * call. The Responses API's output items and Anthropic's content blocks are both this sequence in
 * their own wire shapes, so the order, what a part holds and what a result adds that was not
 * streamed are decided here once; a sink turns opening, growing and closing parts into objects
 * and events.
 */
export type PartKind = "reasoning" | "text" | "call";

export interface Part {
  kind: PartKind;
  /** Position in the answer, from 0. */
  index: number;
  /** Thinking or answer text so far; a call's arguments (JSON text) so far. */
  text: string;
  logprobs: TokenLogprob[];
  /** Calls: their id and name. */
  call?: { id: string; name: string };
}

export interface PartSink {
  open(part: Part): void;
  /** More of the part (`piece`: text, thinking or arguments), with the log-probabilities of its tokens. */
  grow(part: Part, piece: string, logprobs: TokenLogprob[]): void;
  /** The part is whole; `cut` when max tokens ended the answer inside it. */
  close(part: Part, cut: boolean): void;
}

export class AnswerParts {
  private open?: Part & { streamIndex?: number };
  private count = 0;
  private text = "";
  private reasoning = "";
  private wholeCalls = 0;
  /** Calls streamed in parts (the first part of each has its id and name): they come whole at the end too. */
  private partsSeen = false;
  private hadText = false;
  private logprobsSeen = 0;
  /** Logprobs can come ahead of their text (a token may be half a character): held for the next piece. */
  private pending: TokenLogprob[] = [];

  /** `reasoning`: whether thinking is part of the answer (Anthropic's only when the request enabled it). */
  constructor(private readonly sink: PartSink, private readonly withReasoning = true, private readonly newCallId = () => "") {}

  push(d: Delta): void {
    if (d.reasoning && this.withReasoning) this.think(d.reasoning);
    if (d.logprobs?.length) {
      this.pending.push(...d.logprobs);
      this.logprobsSeen += d.logprobs.length;
    }
    if (d.text) this.say(d.text);
    for (const p of d.toolCallParts ?? []) this.callPart(p);
    if (d.toolCalls?.length && !this.partsSeen) {
      for (const c of d.toolCalls) this.wholeCall(c);
      this.wholeCalls += d.toolCalls.length;
    }
  }

  /** Adds what the result has that was not streamed (all of it for a whole answer) and closes the last part. */
  finish(r: GenerateResult): void {
    const restOf = (full: string, seen: string) => (full.startsWith(seen) ? full.slice(seen.length) : "");
    const thought = restOf(r.reasoning ?? "", this.reasoning);
    if (thought && this.withReasoning) this.think(thought);
    this.pending.push(...(r.logprobs?.slice(this.logprobsSeen) ?? []));
    const text = restOf(r.text, this.text);
    // An answer always has its text part, empty or not, unless it is only calls.
    if (text || this.pending.length || (!this.hadText && !r.toolCalls?.length)) this.say(text);
    if (!this.partsSeen) for (const c of r.toolCalls?.slice(this.wholeCalls) ?? []) this.wholeCall(c);
    this.close(r.finishReason === "length");
  }


  private think(piece: string): void {
    if (this.open?.kind !== "reasoning") this.start("reasoning");
    this.reasoning += piece;
    this.grow(piece, []);
  }

  private say(piece: string): void {
    if (this.open?.kind !== "text") this.start("text");
    this.hadText = true;
    this.text += piece;
    this.grow(piece, this.pending.splice(0));
  }

  private callPart(p: ToolCallPart): void {
    this.partsSeen = true;
    if (this.open?.kind !== "call" || this.open.streamIndex !== p.index) {
      this.start("call", { id: p.id ?? this.newCallId(), name: p.name ?? "" });
      this.open!.streamIndex = p.index;
    }
    if (p.arguments) this.grow(p.arguments, []);
  }

  private wholeCall(c: ToolCall): void {
    this.start("call", { id: c.id, name: c.name });
    if (c.arguments) this.grow(c.arguments, []);
  }

  private start(kind: PartKind, call?: Part["call"]): void {
    this.close(false);
    this.open = { kind, index: this.count++, text: "", logprobs: [], ...(call ? { call } : {}) };
    this.sink.open(this.open);
  }

  private grow(piece: string, logprobs: TokenLogprob[]): void {
    const part = this.open!;
    part.text += piece;
    part.logprobs.push(...logprobs);
    if (piece || logprobs.length) this.sink.grow(part, piece, logprobs);
  }

  private close(cut: boolean): void {
    const part = this.open;
    if (!part) return;
    this.open = undefined;
    this.sink.close(part, cut);
  }
}

/** A call's arguments (JSON text) as an object, as Ollama and Anthropic carry them; {} when they do not parse (a call cut short). */
export function argumentsObject(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text || "{}");
    return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v };
  } catch {
    return {};
  }
}
