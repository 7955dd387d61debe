import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { addUsage, cacheScopeOf } from "../../auth/hook.ts";
import { invalid } from "../../errors.ts";
import type { GenerateResult } from "../../runtime/types.ts";
import { abortOnDisconnect, SseStream } from "../openai/sse.ts";
import { parseBody } from "../validate.ts";
import { InfillLimits } from "./limits.ts";

/**
 * Fields llama-server takes that change nothing here: its prompt cache and slots (Freehold reuses
 * a caller's prompt by itself), a prompt-time limit llama-server does not implement either, and
 * its sampler order (Freehold's is fixed: top-k, top-p, min-p, temperature; no "infill" sampler).
 */
const NO_EFFECT = { cache_prompt: z.boolean(), id_slot: z.int(), t_max_prompt_ms: z.int(), samplers: z.array(z.string()), timings_per_token: z.boolean(), n_keep: z.int() };

export const infillRequest = z.strictObject({
  model: z.string().optional(),
  input_prefix: z.string(),
  input_suffix: z.string(),
  input_extra: z.array(z.strictObject({ text: z.string(), filename: z.string().optional(), time: z.unknown().optional() })).optional(),
  prompt: z.string().optional(),
  n_predict: z.int().min(-1).optional(),
  max_tokens: z.int().min(-1).optional(),
  temperature: z.number().min(0).optional(),
  top_k: z.int().min(0).optional(),
  top_p: z.number().min(0).max(1).optional(),
  min_p: z.number().min(0).max(1).optional(),
  seed: z.int().min(-1).max(2 ** 32 - 1).optional(),
  stop: z.array(z.string()).optional(),
  repeat_penalty: z.number().min(0).optional(),
  presence_penalty: z.number().optional(),
  frequency_penalty: z.number().optional(),
  stream: z.boolean().optional(),
  n_indent: z.int().min(0).optional(),
  t_max_predict_ms: z.int().min(0).optional(),
  response_fields: z.array(z.string()).optional(),
  ...Object.fromEntries(Object.entries(NO_EFFECT).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof NO_EFFECT]: z.ZodOptional<(typeof NO_EFFECT)[K]> },
});
type InfillRequest = z.infer<typeof infillRequest>;

/**
 * POST /infill: llama.cpp's server's code-infill route, as its editor plugins (llama.vim,
 * llama.vscode) call it: the prompt built as llama-server builds it (runtime/infill.ts), its
 * limits for an editor (n_indent, t_max_predict_ms), and its answer shape (`content`, `stop_type`,
 * `timings`, `response_fields`), streamed as `data:` events without `[DONE]`. Local models only;
 * without `model`, the one local model that can fill in the middle.
 */
export function infillRoute(server: FastifyInstance, app: App) {
  server.post("/infill", { config: { scope: "inference" } }, async (req, reply) => {
    const body = parseBody(infillRequest, req.body);
    const model = await infillModel(app, body.model);
    const backend = await app.gateway.resolve(model);
    if (backend.kind !== "local") throw invalid(`"${model}" is an upstream model: /infill serves local models (upstreams take \`suffix\` on /v1/completions)`, "model");
    const nPredict = body.n_predict ?? body.max_tokens ?? -1;
    const limits = new InfillLimits(body.n_indent ?? 0, body.t_max_predict_ms ?? 0);
    const abort = abortOnDisconnect(reply);
    const sse = body.stream ? new SseStream(req, reply) : undefined;
    let predicted = 0;
    const started = performance.now();
    const run = () => backend.complete(body.input_prefix, {
      suffix: body.input_suffix,
      infill: { middle: body.prompt, extra: body.input_extra ?? [], maxTokens: nPredict > 0 ? nPredict : 0 },
      maxTokens: nPredict < 0 ? undefined : nPredict, prefill: nPredict === 0,
      temperature: body.temperature, topK: body.top_k, topP: body.top_p, minP: body.min_p,
      seed: body.seed === undefined || body.seed === -1 ? undefined : body.seed,
      stop: body.stop, repeatPenalty: body.repeat_penalty, presencePenalty: body.presence_penalty, frequencyPenalty: body.frequency_penalty,
      cacheScope: cacheScopeOf(req), signal: abort.signal,
      endAt: (text) => limits.check(text),
      onDelta: (d) => {
        if (!d.text) return;
        predicted++;
        sse?.send({ index: 0, content: d.text, tokens: [], stop: false, id_slot: -1, tokens_predicted: predicted, tokens_evaluated: 0 });
      },
    });
    if (!sse) {
      const r = await run();
      addUsage(req, r.usage.promptTokens + r.usage.completionTokens);
      return reply.send(pick(answer(model, r, limits, body, started), body.response_fields));
    }
    try {
      const r = await run();
      addUsage(req, r.usage.promptTokens + r.usage.completionTokens);
      sse.send(pick({ ...answer(model, r, limits, body, started), content: "" }, body.response_fields));
      sse.end("");
    } catch (e) {
      sse.fail(e);
    }
    return reply;
  });
}

/** The named model, or the one local model with fill-in-the-middle tokens (llama-server serves one model). */
async function infillModel(app: App, name: string | undefined): Promise<string> {
  if (name?.trim()) return name;
  const coders = (await app.models.list()).filter((m) => m.metadata?.infill).map((m) => m.name);
  if (coders.length === 1) return coders[0];
  throw invalid(coders.length
    ? `several models can fill in the middle (${coders.join(", ")}): name one in \`model\``
    : "no model here has fill-in-the-middle tokens: import a code model (Qwen2.5-Coder, StarCoder2, CodeLlama, ...) or name one in `model`", "model");
}

/** llama-server's final answer (server_task_result_cmpl_final::to_json_non_oaicompat), without its generation settings. */
function answer(model: string, r: GenerateResult, limits: InfillLimits, body: InfillRequest, started: number) {
  const { promptTokens, completionTokens, cachedPromptTokens = 0 } = r.usage;
  const promptMs = r.timings.firstTokenMs;
  const predictedMs = Math.max(0, performance.now() - started - r.timings.queueMs - r.timings.loadMs - promptMs);
  const stopType = r.stopSequence !== undefined ? "word" : limits.limited || r.finishReason === "length" ? "limit" : "eos";
  const promptN = promptTokens - cachedPromptTokens;
  return {
    index: 0, content: r.text, tokens: [], id_slot: 0, stop: true, model,
    tokens_predicted: completionTokens, tokens_evaluated: promptTokens,
    has_new_line: r.text.includes("\n"), truncated: false,
    stop_type: body.n_predict === 0 ? "limit" : stopType, stopping_word: r.stopSequence ?? "",
    tokens_cached: promptTokens + completionTokens,
    timings: {
      cache_n: cachedPromptTokens,
      prompt_n: promptN, prompt_ms: promptMs, prompt_per_token_ms: promptN ? promptMs / promptN : 0, prompt_per_second: promptMs ? (promptN * 1000) / promptMs : 0,
      predicted_n: completionTokens, predicted_ms: predictedMs,
      predicted_per_token_ms: completionTokens ? predictedMs / completionTokens : 0, predicted_per_second: predictedMs ? (completionTokens * 1000) / predictedMs : 0,
    },
  };
}

/** `response_fields`: only these, each path ("timings/prompt_n") as a key of its own, as llama-server answers. */
function pick(res: Record<string, unknown>, fields: string[] | undefined): Record<string, unknown> {
  if (!fields?.length) return res;
  const out: Record<string, unknown> = {};
  for (const path of fields) {
    let cur: unknown = res;
    for (const k of path.split("/")) cur = cur !== null && typeof cur === "object" && k in cur ? (cur as Record<string, unknown>)[k] : undefined;
    if (cur !== undefined) out[path] = cur;
  }
  return out;
}
