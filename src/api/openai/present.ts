import { randomFillSync } from "node:crypto";
import { FreeholdError } from "../../errors.ts";
import type { ModelSummary } from "../../gateway/types.ts";
import type { Delta, FinishReason, GenerateResult, PromptLogprob, TokenLogprob, ToolCall } from "../../runtime/types.ts";

/**
 * Internal → wire, once: the OpenAI response and chunk objects built from GenerateResult,
 * Delta and EmbedResult. Field order follows OpenAI's, which some clients' tests compare.
 */

/** What every object of one response shares: streamed chunks repeat it verbatim. */
export interface Meta { id: string; created: number; model: string }

export const newMeta = (prefix: "chatcmpl" | "cmpl", model: string): Meta => ({
  id: `${prefix}-${randomId()}`, created: Math.floor(Date.now() / 1000), model,
});

/** 12 random bytes as base64url, cut from a pooled buffer: a randomBytes call per response cost ~2% of proxying one. */
const ids = Buffer.alloc(12 * 256);
let idsUsed = ids.length;
function randomId(): string {
  if (idsUsed === ids.length) {
    randomFillSync(ids);
    idsUsed = 0;
  }
  idsUsed += 12;
  return ids.toString("base64url", idsUsed - 12, idsUsed);
}

/** "cancelled" only happens when the client went away, so nobody reads it; "stop" keeps the enum closed. */
export const finishReason = (r: FinishReason): "stop" | "length" | "tool_calls" | "content_filter" => (r === "cancelled" ? "stop" : r);

export const toolCalls = (calls: ToolCall[], first = 0) =>
  calls.map((c, i) => ({ index: first + i, id: c.id, type: "function" as const, function: { name: c.name, arguments: c.arguments } }));

export const chatLogprobs = (lps: TokenLogprob[] | undefined) =>
  lps ? { content: lps.map((t) => ({ token: t.token, logprob: t.logprob, bytes: t.bytes, top_logprobs: t.top })), refusal: null } : null;

/** The legacy completions shape: parallel arrays, top alternatives as {token: logprob} maps. */
export function textLogprobs(lps: (TokenLogprob | PromptLogprob)[] | undefined, startOffset = 0) {
  if (!lps) return null;
  let offset = startOffset;
  const text_offset = lps.map((t) => { const o = offset; offset += t.token.length; return o; });
  return {
    tokens: lps.map((t) => t.token), token_logprobs: lps.map((t) => t.logprob),
    top_logprobs: lps.map((t) => Object.fromEntries(t.top.map((a) => [a.token, a.logprob]))), text_offset,
  };
}

/**
 * Usage of one request: the prompt counts once per prompt, not once per choice. Results are
 * prompt-major with `n` choices each (chat has one prompt: n = all of them). Cached prompt
 * tokens (OpenAI's prompt_tokens_details.cached_tokens) are reported when the backend knows them.
 */
export function usage(results: GenerateResult[], n = results.length) {
  let prompt = 0;
  let cached: number | undefined;
  let accepted: number | undefined, rejected: number | undefined, drafted: number | undefined, draftKept: number | undefined;
  for (const r of results) {
    if (r.usage.acceptedPredictionTokens !== undefined) accepted = (accepted ?? 0) + r.usage.acceptedPredictionTokens;
    if (r.usage.rejectedPredictionTokens !== undefined) rejected = (rejected ?? 0) + r.usage.rejectedPredictionTokens;
    if (r.usage.draftTokens !== undefined) drafted = (drafted ?? 0) + r.usage.draftTokens;
    if (r.usage.acceptedDraftTokens !== undefined) draftKept = (draftKept ?? 0) + r.usage.acceptedDraftTokens;
  }
  for (let i = 0; i < results.length; i += Math.max(1, n)) {
    prompt += results[i].usage.promptTokens;
    const c = results[i].usage.cachedPromptTokens;
    if (c !== undefined) cached = (cached ?? 0) + c;
  }
  const completion = results.reduce((s, r) => s + r.usage.completionTokens, 0);
  return {
    prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion,
    ...(cached !== undefined ? { prompt_tokens_details: { cached_tokens: cached } } : {}),
    ...(accepted !== undefined || rejected !== undefined || drafted !== undefined ? {
      completion_tokens_details: {
        ...(accepted !== undefined || rejected !== undefined ? { accepted_prediction_tokens: accepted ?? 0, rejected_prediction_tokens: rejected ?? 0 } : {}),
        // A draft model's work (not OpenAI's: no such thing there), named as llama-server's timings name it.
        ...(drafted !== undefined ? { draft_n: drafted, draft_n_accepted: draftKept ?? 0 } : {}),
      },
    } : {}),
  };
}

export function chatCompletion(meta: Meta, results: GenerateResult[]) {
  return {
    id: meta.id, object: "chat.completion", created: meta.created, model: meta.model,
    choices: results.map((r, index) => ({
      index,
      message: {
        // OpenAI sends null, not "", beside tool calls.
        role: "assistant", content: r.toolCalls?.length && !r.text ? null : r.text,
        ...(r.reasoning ? { reasoning_content: r.reasoning } : {}),
        ...(r.toolCalls?.length ? { tool_calls: toolCalls(r.toolCalls) } : {}),
        refusal: null,
      },
      logprobs: chatLogprobs(r.logprobs),
      finish_reason: finishReason(r.finishReason),
    })),
    usage: usage(results),
  };
}

type ChunkChoice = { index: number; delta: Record<string, unknown>; logprobs?: unknown; finish_reason: string | null };

export const chatChunk = (meta: Meta, choices: ChunkChoice[], withUsage: boolean) => ({
  id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model, choices,
  ...(withUsage ? { usage: null } : {}),
});

export const usageChunk = (meta: Meta, object: string, u: ReturnType<typeof usage>) => ({
  id: meta.id, object, created: meta.created, model: meta.model, choices: [], usage: u,
});

/**
 * The delta fields of one streamed piece (role and tool-call indexes are the stream's business).
 * Tool calls go out as the backend streamed them: in parts (OpenAI's fragments: id, type and name
 * first, then the arguments piece by piece) or whole.
 */
export function deltaFields(d: Delta, toolIndex: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (d.text) out.content = d.text;
  if (d.reasoning) out.reasoning_content = d.reasoning;
  if (d.toolCallParts?.length) {
    out.tool_calls = d.toolCallParts.map((p) => ({
      index: toolIndex + p.index,
      ...(p.id ? { id: p.id, type: "function" as const } : {}),
      function: { ...(p.name !== undefined || p.id ? { name: p.name ?? "" } : {}), arguments: p.arguments ?? "" },
    }));
  } else if (d.toolCalls?.length) out.tool_calls = toolCalls(d.toolCalls, toolIndex);
  return out;
}

export const textChoice = (index: number, text: string, finish: string | null, logprobs: unknown = null) =>
  ({ text, index, logprobs, finish_reason: finish });

export const textCompletion = (meta: Meta, choices: ReturnType<typeof textChoice>[], extra: object = {}) => ({
  id: meta.id, object: "text_completion", created: meta.created, model: meta.model, choices, ...extra,
});

export const modelObject = (m: ModelSummary) => ({
  id: m.name, object: "model", created: Math.floor(m.createdAt.getTime() / 1000), owned_by: "freehold",
});

/** base64 of little-endian float32s, as OpenAI encodes embeddings. */
export function base64Floats(v: number[]): string {
  const buf = Buffer.alloc(v.length * 4);
  v.forEach((x, i) => buf.writeFloatLE(x, i * 4));
  return buf.toString("base64");
}

/** Internal option names that errors from below may cite → the wire field a client sent. */
const WIRE_PARAM: Record<string, string> = {
  maxTokens: "max_tokens", topP: "top_p", topK: "top_k", minP: "min_p", logitBias: "logit_bias", format: "response_format",
  presencePenalty: "presence_penalty", frequencyPenalty: "frequency_penalty", repeatPenalty: "repeat_penalty",
  toolChoice: "tool_choice",
};

/** Errors from the runtime name internal options; the client should see the field it sent. */
export function wireError(e: unknown): unknown {
  if (!(e instanceof FreeholdError) || !e.details.param || !(e.details.param in WIRE_PARAM)) return e;
  return new FreeholdError(e.code, e.message, { ...e.details, param: WIRE_PARAM[e.details.param] });
}
