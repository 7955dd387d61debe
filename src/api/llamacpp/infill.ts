import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { cacheScopeOf } from "../../auth/hook.ts";
import { abortOnDisconnect } from "../openai/sse.ts";
import { parseBody } from "../validate.ts";
import { InfillLimits } from "./limits.ts";
import { loraField, requestLora } from "./lora.ts";
import { answerCompletion, backendOf, draftOptions, finalAnswer, LlamaCppStream, localModel, noEffectFields, refuseUnhonoured, samplersOff, speculativeFields } from "./shared.ts";

/** llama-server's fields; any other is ignored, as llama-server ignores it (refuseUnhonoured runs first). */
export const infillRequest = z.object({
  model: z.string().optional(),
  input_prefix: z.string(),
  input_suffix: z.string(),
  input_extra: z.array(z.object({ text: z.string(), filename: z.string().optional(), time: z.unknown().optional() })).optional(),
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
  /** Each of the model's adapters' scale for this request (lora.ts). */
  lora: loraField,
  ...samplersOff,
  ...speculativeFields,
  ...noEffectFields,
});

/**
 * POST /infill: llama.cpp's server's code-infill route, as its editor plugins (llama.vim,
 * llama.vscode) call it: the prompt built as llama-server builds it (runtime/infill.ts), its
 * limits for an editor (n_indent, t_max_predict_ms), and its answer shape (`content`, `stop_type`,
 * `timings`, `response_fields`), streamed as `data:` events without `[DONE]`. Local models only;
 * without `model`, the one local model that can fill in the middle.
 */
export function infillRoute(server: FastifyInstance, app: App) {
  server.post("/infill", { config: { scope: "inference" } }, async (req, reply) => {
    const body = parseBody(infillRequest, refuseUnhonoured(req.body));
    const model = await localModel(app, body.model, INFILL_MODELS);
    const lora = requestLora(app, model.record, body.lora);
    const backend = await backendOf(app, model);
    const nPredict = body.n_predict ?? body.max_tokens ?? -1;
    const limits = new InfillLimits(body.n_indent ?? 0, body.t_max_predict_ms ?? 0);
    const abort = abortOnDisconnect(reply);
    const sse = body.stream ? new LlamaCppStream(req, reply) : undefined;
    let predicted = 0;
    const started = performance.now();
    const run = () => backend.complete(body.input_prefix, {
      suffix: body.input_suffix,
      infill: { middle: body.prompt, extra: body.input_extra ?? [], maxTokens: nPredict > 0 ? nPredict : 0 },
      maxTokens: nPredict < 0 ? undefined : nPredict, prefill: nPredict === 0,
      temperature: body.temperature, topK: body.top_k, topP: body.top_p, minP: body.min_p,
      seed: body.seed === undefined || body.seed === -1 ? undefined : body.seed,
      stop: body.stop, repeatPenalty: body.repeat_penalty, presencePenalty: body.presence_penalty, frequencyPenalty: body.frequency_penalty,
      cacheScope: cacheScopeOf(req), signal: abort.signal, ...draftOptions(body), lora,
      endAt: (text) => limits.check(text),
      onDelta: (d) => {
        if (!d.text) return;
        predicted++;
        sse?.send({ index: 0, content: d.text, tokens: [], stop: false, id_slot: -1, tokens_predicted: predicted, tokens_evaluated: 0 });
      },
    });
    const contextSize = await backend.contextSize();
    const answer = (r: Awaited<ReturnType<typeof run>>) => finalAnswer(r, { model: model.name, started, nPredict, limited: limits.limited, contextSize });
    return answerCompletion(req, reply, sse, { run, answer, fields: body.response_fields });
  });
}

/** Without `model`: the one local model with fill-in-the-middle tokens (llama-server serves one model). */
const INFILL_MODELS = {
  route: "/infill",
  qualifies: (m: { metadata?: Record<string, unknown> }) => !!m.metadata?.infill,
  several: "several models can fill in the middle",
  none: "no model here has fill-in-the-middle tokens: import a code model (Qwen2.5-Coder, StarCoder2, CodeLlama, ...) or name one in `model`",
  upstreamHint: "upstreams take `suffix` on /v1/completions",
};
