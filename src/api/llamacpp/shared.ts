import type { FastifyReply, FastifyRequest } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import type { Backend } from "../../gateway/types.ts";
import type { GenerateResult } from "../../runtime/types.ts";
import type { ModelRecord } from "../../store/repos/models.ts";
import { addUsage } from "../../auth/hook.ts";
import { llamaCppError } from "../errors.ts";
import { SseStream } from "../openai/sse.ts";

/**
 * What llama.cpp's server routes (src/api/llamacpp) share: the model a request names (or the one
 * it may leave out), the final answer of a completion (server_task_result_cmpl_final's
 * non-OpenAI JSON), `response_fields`, and streams of `data:` events without `[DONE]`.
 */

/**
 * Fields llama-server takes that change nothing here: its prompt cache and slots (Freehold reuses
 * a caller's prompt by itself), a prompt-time limit llama-server does not implement either, and
 * its sampler order (Freehold's is fixed: penalties, top-k, top-p, min-p, temperature; no "infill"
 * sampler).
 */
export const NO_EFFECT = { cache_prompt: z.boolean(), id_slot: z.int(), t_max_prompt_ms: z.int(), samplers: z.array(z.string()), timings_per_token: z.boolean(), n_keep: z.int() };

/**
 * llama-server's samplers that Freehold does not have, taken at the value that turns them off (as
 * front-ends such as SillyTavern send them) and refused otherwise, naming the field. Their
 * companions (Mirostat's tau and eta, DRY's base, ...) change nothing while the sampler is off.
 */
const off = <T extends z.ZodType>(schema: T, isOff: (v: z.infer<T>) => boolean, what: string, offValue: string) =>
  schema.refine(isOff, `Freehold has no ${what} sampler: send ${offValue} (off) or leave it out`).optional();
export const samplersOff = {
  typical_p: off(z.number(), (v) => v >= 1, "locally typical", "1"),
  mirostat: off(z.int(), (v) => v === 0, "Mirostat", "0"),
  mirostat_tau: z.number().optional(),
  mirostat_eta: z.number().optional(),
  xtc_probability: off(z.number().min(0).max(1), (v) => v === 0, "XTC", "0"),
  xtc_threshold: z.number().optional(),
  dry_multiplier: off(z.number(), (v) => v === 0, "DRY", "0"),
  dry_base: z.number().optional(),
  dry_allowed_length: z.int().min(0).optional(),
  dry_penalty_last_n: z.int().min(-1).optional(),
  dry_sequence_breakers: z.array(z.string()).optional(),
  top_n_sigma: off(z.number(), (v) => v <= 0, "top-n-σ", "-1"),
  dynatemp_range: off(z.number(), (v) => v <= 0, "dynamic temperature", "0"),
  dynatemp_exponent: z.number().optional(),
  min_keep: off(z.int().min(0), (v) => v === 0, "min_keep", "0"),
};

/**
 * llama-server's own fields whose meaning Freehold cannot honour, refused with a 400 naming the
 * field unless sent at their default. Any field llama-server does not know is ignored, as
 * llama-server ignores it: front-ends (SillyTavern) send one request shape, the union of
 * several backends' fields, to every backend.
 */
const UNHONOURED: Record<string, { why: string; isDefault: (v: unknown) => boolean }> = {
  n: { why: "one completion per request", isDefault: (v) => v === 1 },
  n_cmpl: { why: "one completion per request", isDefault: (v) => v === 1 },
  return_progress: { why: "prompt progress events are not sent", isDefault: (v) => v === false },
};

/**
 * llama-server's per-request draft settings. The draft model is the model's own (its preset's
 * draft_model); n_min is taken and changes nothing: the runtime learns how long to draft.
 */
export const speculativeFields = {
  "speculative.n_max": z.int().min(1).max(64).optional(),
  "speculative.n_min": z.int().min(0).max(64).optional(),
  "speculative.p_min": z.number().min(0).max(1).optional(),
};
export const draftOptions = (b: { "speculative.n_max"?: number; "speculative.p_min"?: number }) => ({ draftMax: b["speculative.n_max"], draftPMin: b["speculative.p_min"] });

/** The body, unless it sets one of llama-server's fields Freehold cannot honour (UNHONOURED). */
export function refuseUnhonoured(body: unknown): unknown {
  if (body && typeof body === "object" && !Array.isArray(body)) {
    for (const [key, value] of Object.entries(body)) {
      const rule = UNHONOURED[key];
      if (rule && value !== null && value !== undefined && !rule.isDefault(value)) throw invalid(`${key}: ${rule.why}`, key);
    }
  }
  return body;
}

/** NO_EFFECT's fields, each optional, to spread into a request schema. */
export const noEffectFields = Object.fromEntries(Object.entries(NO_EFFECT).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof NO_EFFECT]: z.ZodOptional<(typeof NO_EFFECT)[K]> };

/** A local model a llama.cpp route serves, by its registered name. */
export interface LocalModel { name: string; record: ModelRecord }

export interface DefaultModelRule {
  /** The route, for the upstream refusal ("/tokenize serves local models"). */
  route: string;
  /** Which local models the route may pick by itself (default: any). */
  qualifies?: (m: ModelRecord) => boolean;
  /** "several models can fill in the middle" → the message when more than one qualifies. */
  several?: string;
  /** The message when none qualifies. */
  none?: string;
  /** What an upstream model is told besides "local models only". */
  upstreamHint?: string;
  /** With several candidates, the one of them that is loaded, when exactly one is. */
  preferLoaded?: boolean;
}

/**
 * The named model, which must be local, or without a name the one local model that qualifies
 * (llama-server serves one model, so its clients send none): when several do, the one loaded if
 * `preferLoaded` and exactly one is; otherwise a 400 listing them.
 */
export async function localModel(app: App, name: string | undefined, rule: DefaultModelRule): Promise<LocalModel> {
  if (name?.trim()) {
    const record = await app.models.find(name);
    if (record) return { name: record.name, record };
    await app.gateway.resolve(name); // an unknown name: 404
    throw invalid(`"${name}" is an upstream model: ${rule.route} serves local models${rule.upstreamHint ? ` (${rule.upstreamHint})` : ""}`, "model");
  }
  const candidates = (await app.models.list()).filter((m) => rule.qualifies?.(m) ?? true);
  if (candidates.length === 1) return { name: candidates[0].name, record: candidates[0] };
  if (rule.preferLoaded && candidates.length > 1) {
    // By file: names that share one (copies, presets) are loaded together.
    const loaded = new Set(app.runtime.ps().filter((s) => !s.loading).map((s) => s.path));
    const inMemory = candidates.filter((m) => loaded.has(m.path));
    if (inMemory.length === 1) return { name: inMemory[0].name, record: inMemory[0] };
  }
  const names = candidates.map((m) => m.name).join(", ");
  throw invalid(candidates.length
    ? `${rule.several ?? "several models are available"} (${names}): name one in \`model\``
    : rule.none ?? "no local model here: import or pull one, or name one in `model`", "model");
}

/** The backend of a model `localModel` found: the runtime, through the gateway (its preset and metrics). */
export function backendOf(app: App, m: LocalModel): Promise<Backend> {
  return app.gateway.resolve(m.name);
}

export interface AnswerContext {
  model: string;
  /** performance.now() when the request arrived. */
  started: number;
  /** n_predict as asked: 0 only evaluates the prompt. */
  nPredict: number;
  /** An n_indent or t_max_predict_ms limit ended the answer. */
  limited?: boolean;
  /** Tokens per sequence: an answer that filled the context is `truncated`, as llama-server reports it. */
  contextSize?: number;
}

/**
 * llama-server's final answer (server_task_result_cmpl_final::to_json_non_oaicompat), without
 * its generation settings, prompt and token ids, which each route adds when it has them.
 * `tokens_cached` counts what the sequence holds: the prompt and every generated token but the
 * last, which was sampled, not evaluated.
 */
export function finalAnswer(r: GenerateResult, c: AnswerContext) {
  const { promptTokens, completionTokens, cachedPromptTokens = 0 } = r.usage;
  const promptMs = r.timings.firstTokenMs;
  const predictedMs = Math.max(0, performance.now() - c.started - r.timings.queueMs - r.timings.loadMs - promptMs);
  const stopType = r.stopSequence !== undefined ? "word" : c.limited || r.finishReason === "length" ? "limit" : "eos";
  const promptN = promptTokens - cachedPromptTokens;
  return {
    index: 0, content: r.text, tokens: [] as number[], id_slot: 0, stop: true, model: c.model,
    tokens_predicted: completionTokens, tokens_evaluated: promptTokens,
    has_new_line: r.text.includes("\n"),
    truncated: c.contextSize !== undefined && c.nPredict !== 0 && promptTokens + completionTokens >= c.contextSize,
    stop_type: c.nPredict === 0 ? "limit" : stopType, stopping_word: r.stopSequence ?? "",
    tokens_cached: promptTokens + Math.max(0, completionTokens - 1),
    timings: {
      cache_n: cachedPromptTokens,
      prompt_n: promptN, prompt_ms: promptMs, prompt_per_token_ms: promptN ? promptMs / promptN : 0, prompt_per_second: promptMs ? (promptN * 1000) / promptMs : 0,
      predicted_n: completionTokens, predicted_ms: predictedMs,
      predicted_per_token_ms: completionTokens ? predictedMs / completionTokens : 0, predicted_per_second: predictedMs ? (completionTokens * 1000) / predictedMs : 0,
      // With a draft model, as llama-server reports its work.
      ...(r.usage.draftTokens !== undefined ? { draft_n: r.usage.draftTokens, draft_n_accepted: r.usage.acceptedDraftTokens ?? 0 } : {}),
    },
  };
}

/** `response_fields`: only these, each path ("timings/prompt_n") as a key of its own, as llama-server answers. */
export function pick(res: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
  if (!fields?.length) return res;
  const out: Record<string, unknown> = {};
  for (const path of fields) {
    let cur: unknown = res;
    for (const k of path.split("/")) cur = cur !== null && typeof cur === "object" && k in cur ? (cur as Record<string, unknown>)[k] : undefined;
    if (cur !== undefined) out[path] = cur;
  }
  return out;
}

/** llama-server's stream: `data:` events, no `[DONE]`; a failure after the first event is a last `data: {"error": …}`. */
export class LlamaCppStream {
  private readonly sse: SseStream;

  constructor(req: FastifyRequest, reply: FastifyReply) {
    this.sse = new SseStream(req, reply);
  }

  send(event: unknown): void {
    this.sse.send(event);
  }

  end(): void {
    this.sse.end("");
  }

  fail(e: unknown): void {
    this.sse.fail(e, (err) => `data: ${JSON.stringify(llamaCppError(err))}\n\n`);
  }
}

/**
 * Runs a completion and answers with its final object (`response_fields` applied): the whole
 * reply, or, streamed, the last `data:` event (its content already sent, so ""), after
 * `beforeLast` sends what the stream still owes. The tokens go to the caller's key usage.
 */
export async function answerCompletion(req: FastifyRequest, reply: FastifyReply, sse: LlamaCppStream | undefined, opts: {
  run: () => Promise<GenerateResult>;
  answer: (r: GenerateResult) => Record<string, unknown>;
  fields: string[] | undefined;
  beforeLast?: () => void;
}): Promise<FastifyReply> {
  if (!sse) {
    const r = await opts.run();
    addUsage(req, r.usage.promptTokens + r.usage.completionTokens);
    return reply.send(pick(opts.answer(r), opts.fields));
  }
  try {
    const r = await opts.run();
    addUsage(req, r.usage.promptTokens + r.usage.completionTokens);
    opts.beforeLast?.();
    sse.send(pick({ ...opts.answer(r), content: "" }, opts.fields));
    sse.end();
  } catch (e) {
    sse.fail(e);
  }
  return reply;
}
