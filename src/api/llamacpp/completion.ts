import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { cacheScopeOf } from "../../auth/hook.ts";
import { invalid } from "../../errors.ts";
import { tokenIdOf } from "../../runtime/logprobs.ts";
import type { GenerateResult, OutputFormat, Prompt, TokenLogprob } from "../../runtime/types.ts";
import { withVocabulary, type Vocabulary } from "../../runtime/vocabulary.ts";
import { abortOnDisconnect } from "../openai/sse.ts";
import { parseBody } from "../validate.ts";
import { InfillLimits } from "./limits.ts";
import { effectiveSettings, generationSettings, REPEAT_LAST_N, type Settings } from "./settings.ts";
import { loraField, requestLora } from "./lora.ts";
import { answerCompletion, backendOf, draftOptions, finalAnswer, LlamaCppStream, localModel, noEffectFields, refuseUnhonoured, samplersOff, speculativeFields } from "./shared.ts";

const INT32_MAX = 2 ** 31 - 1;
const budget = z.int().min(-1).max(INT32_MAX).optional();
const bias = z.union([z.number(), z.literal(false)], { error: "must be a number, or false to ban the token" });

/** llama-server's fields; any other is ignored, as llama-server ignores it (refuseUnhonoured runs first). */
export const completionRequest = z.object({
  model: z.string().optional(),
  /** Text, token ids, or both mixed (llama-server's tokenize_mixed); one prompt per request. */
  prompt: z.union([z.string(), z.array(z.union([z.int(), z.string()])).min(1)], { error: "must be a string, or an array of token ids and strings" }),
  n_predict: budget,
  max_tokens: budget,
  max_completion_tokens: budget,
  temperature: z.number().min(0).max(100).optional(),
  top_k: z.int().min(0).max(1e9).optional(),
  top_p: z.number().min(0).max(1).optional(),
  min_p: z.number().min(0).max(1).optional(),
  seed: z.int().min(-1).max(2 ** 32 - 1).optional(),
  stop: z.union([z.string(), z.array(z.string())], { error: "must be a string or an array of strings" }).optional(),
  repeat_penalty: z.number().min(0).max(100).optional(),
  presence_penalty: z.number().min(-2).max(2).optional(),
  frequency_penalty: z.number().min(-2).max(2).optional(),
  repeat_last_n: z.int().min(0).max(INT32_MAX).optional(),
  logit_bias: z.union([z.array(z.tuple([z.union([z.int(), z.string()]), bias])), z.record(z.string(), bias)], {
    error: "must be [[token, bias], ...] or {token: bias}, a token being an id or a text",
  }).optional(),
  ignore_eos: z.boolean().optional(),
  stream: z.boolean().optional(),
  n_probs: z.int().min(0).max(100).optional(),
  logprobs: z.int().min(0).max(100).optional(),
  post_sampling_probs: z.boolean().optional(),
  return_tokens: z.boolean().optional(),
  grammar: z.string().optional(),
  json_schema: z.record(z.string(), z.unknown()).optional(),
  n_indent: z.int().min(0).optional(),
  t_max_predict_ms: z.int().min(0).optional(),
  response_fields: z.array(z.string()).optional(),
  /** Each of the model's adapters' scale for this request (lora.ts). */
  lora: loraField,
  ...speculativeFields,
  ...samplersOff,
  ...noEffectFields,
});
type CompletionRequest = z.infer<typeof completionRequest>;

/** What the request needs from the model's vocabulary, read before it queues for a sequence. */
interface Prepared {
  /** What the runtime completes: the text as sent (tokenized there), or token ids. */
  prompt: Prompt;
  /** The prompt's tokens and llama.cpp's text of them (a completion's `prompt` field). */
  tokens: number[];
  text: string;
  logitBias?: Record<number, number>;
  /** Tokens in each stop string, for trimming a stopped answer's probabilities as llama-server does. */
  stopTokens: Map<string, number>;
}

/**
 * POST /completion: llama.cpp's server's native completion, as its own clients and front-ends in
 * "llama.cpp" mode send it: a raw prompt (text, token ids or both), its sampling fields, answer
 * (`content`, `stop_type`, `generation_settings`, `timings`, `completion_probabilities`, ...) and
 * stream of `data:` events without `[DONE]`. It runs on the runtime's completion path, as
 * /v1/completions does (prompt reuse for the same caller included). Local models only; without
 * `model`, the one local model (or the one loaded).
 */
export function completionRoute(server: FastifyInstance, app: App) {
  server.post("/completion", { config: { scope: "inference" } }, async (req, reply) => {
    const body = parseBody(completionRequest, refuseUnhonoured(req.body));
    const model = await localModel(app, body.model, { route: "/completion", preferLoaded: true });
    const lora = requestLora(app, model.record, body.lora);
    const nPredict = body.n_predict ?? body.max_tokens ?? body.max_completion_tokens;
    const cap = app.limits.maxTokensCap;
    if (cap !== undefined && nPredict !== undefined && nPredict > cap) throw invalid(`n_predict is ${nPredict}, more than this server's limit (${cap} tokens)`, "n_predict");
    const stop = (typeof body.stop === "string" ? [body.stop] : body.stop ?? []).filter((s) => s !== "");
    const format = outputFormat(body);
    const penalties = penaltySettings(body, effectiveSettings(model.record.preset));
    const nProbs = body.n_probs ?? body.logprobs ?? 0;
    // Token ids come with log-probabilities: asked for either, the runtime reports both.
    const wantIds = nProbs > 0 || !!body.return_tokens;

    const backend = await backendOf(app, model);
    const prep = await withVocabulary(app.runtime, { name: model.record.name, path: model.record.path, sizeBytes: model.record.sizeBytes },
      (v) => prepare(v, body, stop));
    const settings = effectiveSettings(model.record.preset, {
      temperature: body.temperature, topK: body.top_k, topP: body.top_p, minP: body.min_p,
      seed: body.seed === undefined || body.seed === -1 ? undefined : body.seed,
      stop: stop.length ? stop : undefined, ...penalties, logitBias: prep.logitBias,
      // -1 leaves the budget to the model's preset, as the runtime does.
      nPredict: nPredict !== undefined && nPredict >= 0 ? nPredict : undefined,
      stream: body.stream, nProbs, postSamplingProbs: body.post_sampling_probs, ignoreEos: body.ignore_eos,
    });
    const contextSize = await backend.contextSize();
    // After the sampler chain, a greedy pick leaves one candidate of probability 1 (llama-server's post_sampling_probs).
    const post = body.post_sampling_probs ? { greedy: (settings.temperature ?? 0) <= 0 } : undefined;
    const limits = new InfillLimits(body.n_indent ?? 0, body.t_max_predict_ms ?? 0);
    const abort = abortOnDisconnect(reply);
    const sse = body.stream ? new LlamaCppStream(req, reply) : undefined;
    const started = performance.now();

    // Per streamed piece: the tokens (and their probabilities) that made it since the last one.
    let pending: TokenLogprob[] = [];
    let predicted = 0;
    const partial = (content: string) => {
      const event: Record<string, unknown> = {
        index: 0, content, tokens: pending.map((lp) => tokenIdOf(lp)), stop: false, id_slot: -1,
        tokens_predicted: predicted, tokens_evaluated: prep.tokens.length,
      };
      if (nProbs > 0 && pending.length) event.completion_probabilities = probabilities(pending, post);
      pending = [];
      sse?.send(event);
    };
    const limited = body.n_indent || body.t_max_predict_ms;
    const run = () => backend.complete(prep.prompt, {
      maxTokens: nPredict === undefined || nPredict < 0 ? undefined : nPredict, prefill: nPredict === 0,
      temperature: body.temperature, topK: body.top_k, topP: body.top_p, minP: body.min_p,
      seed: body.seed === undefined || body.seed === -1 ? undefined : body.seed,
      stop: stop.length ? stop : undefined, ...penalties, logitBias: prep.logitBias, format,
      ...(wantIds ? { logprobs: nProbs } : {}),
      cacheScope: cacheScopeOf(req), signal: abort.signal,
      ...draftOptions(body), lora,
      ...(limited ? { endAt: (text: string) => limits.check(text) } : {}),
      onDelta: sse && ((d) => {
        if (d.logprobs?.length) {
          predicted += d.logprobs.length;
          pending.push(...d.logprobs);
        }
        if (!d.text) return;
        if (!wantIds) predicted++;
        partial(d.text);
      }),
    });
    const answer = (r: GenerateResult) => {
      const base = finalAnswer(r, { model: model.name, started, nPredict: nPredict ?? -1, limited: limits.limited, contextSize });
      const { has_new_line, truncated, stop_type, stopping_word, tokens_cached, timings } = base;
      const ids = body.return_tokens && !sse ? (r.logprobs ?? []).map((lp) => tokenIdOf(lp)) : [];
      const probs = nProbs > 0 && !sse ? trimmed(r, prep.stopTokens) : undefined;
      // In llama-server's order (to_json_non_oaicompat).
      return {
        index: base.index, content: base.content, tokens: ids, id_slot: base.id_slot, stop: base.stop, model: base.model,
        tokens_predicted: base.tokens_predicted, tokens_evaluated: base.tokens_evaluated,
        generation_settings: generationSettings(settings, true), prompt: prep.text,
        has_new_line, truncated, stop_type, stopping_word, tokens_cached, timings,
        ...(probs?.length ? { completion_probabilities: probabilities(probs, post) } : {}),
      };
    };
    return answerCompletion(req, reply, sse, {
      run, answer, fields: body.response_fields,
      // Tokens with no text of their own (end of generation, a cut stop string) still get their event.
      beforeLast: () => { if (pending.length) partial(""); },
    });
  });
}

/** `grammar` (GBNF) or `json_schema`, as llama-server takes them: the schema only when no grammar is sent; an empty one is any object. */
function outputFormat(body: CompletionRequest): OutputFormat | undefined {
  if (body.grammar !== undefined) return body.grammar ? { type: "gbnf", grammar: body.grammar } : undefined;
  if (body.json_schema === undefined) return undefined;
  return { type: "json_schema", schema: Object.keys(body.json_schema).length ? body.json_schema : { type: "object" } };
}

/**
 * Repetition penalties: `repeat_last_n` 0 turns them off, as in llama.cpp; any other window than
 * the runtime's fixed 64 tokens is refused while a penalty is on (it would change the answer).
 */
function penaltySettings(body: CompletionRequest, defaults: Settings): Pick<Settings, "repeatPenalty" | "presencePenalty" | "frequencyPenalty"> {
  const p = { repeatPenalty: body.repeat_penalty, presencePenalty: body.presence_penalty, frequencyPenalty: body.frequency_penalty };
  if (body.repeat_last_n === 0) return { repeatPenalty: 1, presencePenalty: 0, frequencyPenalty: 0 };
  const on = (p.repeatPenalty ?? defaults.repeatPenalty) !== 1 || (p.presencePenalty ?? defaults.presencePenalty) !== 0 || (p.frequencyPenalty ?? defaults.frequencyPenalty) !== 0;
  if (on && body.repeat_last_n !== undefined && body.repeat_last_n !== REPEAT_LAST_N) {
    throw invalid(`repeat_last_n: Freehold's repetition penalties look at the last ${REPEAT_LAST_N} tokens; send ${REPEAT_LAST_N}, or 0 to turn the penalties off`, "repeat_last_n");
  }
  return p;
}

/** The prompt's tokens and text, the logit biases as token ids, the stop strings' lengths in tokens. */
function prepare(v: Vocabulary, body: CompletionRequest, stop: string[]): Prepared {
  const p = body.prompt;
  let prompt: Prompt, tokens: number[];
  if (typeof p === "string") {
    prompt = p;
    tokens = v.completionTokens(p);
  } else if (p.every((x) => typeof x === "number")) {
    prompt = tokens = v.check(p, "prompt");
  } else {
    if (p.every((x) => typeof x === "string") && p.length > 1) {
      throw invalid("prompt: several prompts in one request are not supported here; send one prompt per request", "prompt");
    }
    prompt = tokens = v.tokenize(p, { addSpecial: true, parseSpecial: true }, "prompt");
  }
  const plain = { addSpecial: false, parseSpecial: false };
  let logitBias: Record<number, number> | undefined;
  const ban = (token: number, b: number | false) => { (logitBias ??= {})[token] = b === false ? -100 : b; };
  const entries: [number | string, number | false][] = Array.isArray(body.logit_bias) ? body.logit_bias : Object.entries(body.logit_bias ?? {});
  for (const [key, b] of entries) {
    const id = typeof key === "number" ? key : /^-?\d+$/.test(key) ? Number(key) : undefined;
    if (id !== undefined) {
      if (id < 0 || id >= v.size) throw invalid(`logit_bias: token ${id} is not in this model's vocabulary of ${v.size} tokens`, "logit_bias");
      ban(id, b);
    } else for (const t of v.tokenize(String(key), plain)) ban(t, b);
  }
  if (body.ignore_eos) for (const t of v.endOfGeneration()) ban(t, false);
  const stopTokens = new Map(stop.map((s) => [s, v.tokenize(s, plain).length]));
  return { prompt, tokens, text: v.promptText(tokens), logitBias, stopTokens };
}

/** A stopped answer's probabilities without the stop string's tokens' worth at the end, as llama-server trims them. */
function trimmed(r: GenerateResult, stopTokens: Map<string, number>): TokenLogprob[] {
  const lps = r.logprobs ?? [];
  if (r.stopSequence === undefined) return lps;
  return lps.slice(0, Math.max(0, lps.length - (stopTokens.get(r.stopSequence) ?? 0)));
}

/**
 * completion_probabilities (completion_token_output::probs_vector_to_json): each token's id,
 * text, bytes and log-probability with its `top_logprobs`, or with post_sampling_probs its
 * probability and `top_probs` (alternatives of probability 0 left out, as llama-server does;
 * a greedy pick is the only candidate left, with probability 1).
 */
function probabilities(lps: TokenLogprob[], post: { greedy: boolean } | undefined) {
  type Entry = { token: string; logprob: number; bytes: number[] };
  const one = (t: Entry, p = Math.exp(t.logprob)) => ({ id: tokenIdOf(t), token: t.token, bytes: t.bytes, ...(post ? { prob: p } : { logprob: t.logprob }) });
  return lps.map((lp) => {
    if (!post) return { ...one(lp), top_logprobs: lp.top.map((a) => one(a)) };
    if (post.greedy) return { ...one(lp, 1), top_probs: [one(lp, 1)] };
    return { ...one(lp), top_probs: lp.top.filter((a) => Math.exp(a.logprob) > 0).map((a) => one(a)) };
  });
}
