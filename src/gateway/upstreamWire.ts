import { invalid } from "../errors.ts";
import type { ChatMessage, FinishReason, GenerateOptions, Prompt, TokenLogprob, ToolCall, Usage } from "../runtime/types.ts";

/**
 * Internal → OpenAI wire for upstream requests, and the pieces of its answers back. Only the
 * fields a caller set are sent, so an upstream's own defaults apply otherwise; options an
 * upstream cannot express are refused rather than dropped.
 */
type Body = Record<string, unknown>;

export function chatBody(model: string, messages: ChatMessage[], opts: GenerateOptions, stream: boolean): Body {
  const body: Body = { model, messages: messages.map(wireMessage), ...sampling(opts), ...streaming(stream) };
  if (opts.logprobs !== undefined) {
    body.logprobs = true;
    if (opts.logprobs > 0) body.top_logprobs = opts.logprobs;
  }
  const f = opts.format;
  if (f?.type === "json_object") body.response_format = { type: "json_object" };
  if (f?.type === "json_schema") {
    body.response_format = { type: "json_schema", json_schema: { name: f.name ?? "output", schema: f.schema, ...(f.strict !== undefined ? { strict: f.strict } : {}) } };
  }
  if (opts.tools?.length) {
    body.tools = opts.tools.map((t) => ({
      type: "function", function: { name: t.name, description: t.description, parameters: t.parameters, ...(t.strict !== undefined ? { strict: t.strict } : {}) },
    }));
  }
  const c = opts.toolChoice;
  if (c !== undefined) body.tool_choice = typeof c === "object" ? { type: "function", function: { name: c.name } } : c;
  if (opts.parallelToolCalls !== undefined) body.parallel_tool_calls = opts.parallelToolCalls;
  if (opts.prediction !== undefined) {
    if (typeof opts.prediction !== "string") throw invalid("a prediction as token ids is for local models", "prediction");
    body.prediction = { type: "content", content: opts.prediction };
  }
  return body;
}

/** An answer's OpenAI `usage` → Usage; `pieces` stands in for completion tokens an upstream did not count. */
export function usageOf(u: any, pieces = 0): Usage {
  const details = u?.completion_tokens_details;
  const accepted = details?.accepted_prediction_tokens, rejected = details?.rejected_prediction_tokens;
  const cached = u?.prompt_tokens_details?.cached_tokens;
  return {
    promptTokens: u?.prompt_tokens ?? 0, completionTokens: u?.completion_tokens ?? pieces,
    ...(typeof cached === "number" ? { cachedPromptTokens: cached } : {}),
    ...(typeof accepted === "number" ? { acceptedPredictionTokens: accepted } : {}),
    ...(typeof rejected === "number" ? { rejectedPredictionTokens: rejected } : {}),
  };
}

/** Token-array prompts pass through: they are ids of the upstream model's own vocabulary. */
export function completionBody(model: string, prompt: Prompt, opts: GenerateOptions, stream: boolean): Body {
  if (opts.promptLogprobs) throw invalid("echo with logprobs (the prompt's log-probabilities) is available for local models only", "echo");
  if (opts.format && opts.format.type !== "text") throw invalid("structured output is not available on /v1/completions for upstream models: use chat", "format");
  if (opts.tools?.length) throw invalid("tools need a chat request", "tools");
  const body: Body = { model, prompt, ...sampling(opts), ...streaming(stream) };
  if (opts.logprobs !== undefined) body.logprobs = opts.logprobs;
  if (opts.suffix !== undefined) body.suffix = opts.suffix; // the engine fills in the middle, or says it cannot
  return body;
}

function sampling(o: GenerateOptions): Body {
  if (o.format?.type === "gbnf") throw invalid("GBNF grammars are supported for local models only", "format");
  if (o.lora?.length) throw invalid("LoRA adapters apply to local models only", "lora");
  if (o.draftModel !== undefined) throw invalid("a draft model applies to local models only (an upstream engine drafts as its own settings say)", "draft_model");
  // Only the set fields, added in this order (no delete: it would turn the object into a slow dictionary).
  const out: Body = {};
  if (o.maxTokens !== undefined) out[o.maxTokensIsCompletionBudget ? "max_completion_tokens" : "max_tokens"] = o.maxTokens;
  if (o.temperature !== undefined) out.temperature = o.temperature;
  if (o.topP !== undefined) out.top_p = o.topP;
  if (o.topK !== undefined) out.top_k = o.topK;
  if (o.minP !== undefined) out.min_p = o.minP;
  if (o.seed !== undefined) out.seed = o.seed;
  if (o.stop !== undefined) out.stop = o.stop;
  if (o.presencePenalty !== undefined) out.presence_penalty = o.presencePenalty;
  if (o.frequencyPenalty !== undefined) out.frequency_penalty = o.frequencyPenalty;
  if (o.repeatPenalty !== undefined) out.repeat_penalty = o.repeatPenalty;
  if (o.logitBias !== undefined) out.logit_bias = o.logitBias;
  if (o.user !== undefined) out.user = o.user;
  return out;
}

const streaming = (stream: boolean): Body => (stream ? { stream: true, stream_options: { include_usage: true } } : {});

function wireMessage(m: ChatMessage): Body {
  if (m.role === "tool") return { role: "tool", content: m.content, tool_call_id: m.toolCallId };
  const out: Body = { role: m.role, content: m.content };
  if (m.name) out.name = m.name;
  if (m.toolCalls?.length) {
    out.tool_calls = m.toolCalls.map((c) => ({ id: c.id, type: "function", function: { name: c.name, arguments: c.arguments } }));
    if (!m.content) out.content = null;
  }
  return out;
}

export function finishReason(r: unknown): FinishReason {
  if (r === "length") return "length";
  if (r === "tool_calls" || r === "function_call") return "tool_calls";
  if (r === "content_filter") return "content_filter";
  return "stop";
}

export function toolCalls(wire: any[] | undefined): ToolCall[] | undefined {
  if (!Array.isArray(wire) || !wire.length) return undefined;
  return wire.map((c) => ({ id: String(c.id ?? ""), name: String(c.function?.name ?? ""), arguments: String(c.function?.arguments ?? "") }));
}

const bytesOf = (token: string, bytes: unknown) => (Array.isArray(bytes) ? (bytes as number[]) : [...Buffer.from(token, "utf8")]);

/** Chat's `logprobs.content[]`. */
export function chatLogprobs(lp: any): TokenLogprob[] | undefined {
  if (!Array.isArray(lp?.content)) return undefined;
  return lp.content.map((t: any) => ({
    token: String(t.token), logprob: Number(t.logprob), bytes: bytesOf(String(t.token), t.bytes),
    top: (t.top_logprobs ?? []).map((a: any) => ({ token: String(a.token), logprob: Number(a.logprob), bytes: bytesOf(String(a.token), a.bytes) })),
  }));
}

/** Legacy completions' parallel arrays. */
export function textLogprobs(lp: any): TokenLogprob[] | undefined {
  if (!Array.isArray(lp?.tokens)) return undefined;
  return lp.tokens.map((token: string, i: number) => ({
    token, logprob: Number(lp.token_logprobs?.[i] ?? 0), bytes: bytesOf(token, undefined),
    top: Object.entries((lp.top_logprobs?.[i] ?? {}) as Record<string, number>).map(([t, l]) => ({ token: t, logprob: l, bytes: bytesOf(t, undefined) })),
  }));
}

/** Reasoning models' thinking: `reasoning_content` (DeepSeek, llama.cpp) or `reasoning` (vLLM, OpenRouter). */
export const reasoningOf = (m: any): string | undefined => m?.reasoning_content ?? m?.reasoning ?? undefined;
