import { addUsage, cacheScopeOf } from "../../auth/hook.ts";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { App } from "../../app.ts";
import { FreeholdError } from "../../errors.ts";
import type { Backend } from "../../gateway/types.ts";
import type { Delta, GenerateOptions, GenerateResult, TokenLogprob } from "../../runtime/types.ts";
import { normalizeError, statusOf } from "../errors.ts";
import { clientGone, NdjsonStream, now } from "./ndjson.ts";
import { resolveModel } from "./resolve.ts";

type Body = Record<string, unknown>;

/** What differs between /api/chat and /api/generate; the rest of a generation is shared. */
export interface GenerationSpec {
  model: string;
  stream: boolean;
  opts: Omit<GenerateOptions, "signal" | "onDelta">;
  call(backend: Backend, opts: GenerateOptions): Promise<GenerateResult>;
  /** Body of one streamed piece (undefined: nothing to send). */
  piece(d: Delta): Body | undefined;
  /** Body of the final object: `result` is undefined when streaming (the text went out already). */
  last(result: GenerateResult | undefined): Body;
}

/**
 * Runs one generation and answers in Ollama's shape: NDJSON pieces then a final object with
 * `done: true`, or one object. The client going away aborts the generation.
 */
export async function runGeneration(app: App, req: FastifyRequest, reply: FastifyReply, spec: GenerationSpec) {
  const started = process.hrtime.bigint();
  const cap = app.limits.maxTokensCap;
  if (cap !== undefined && spec.opts.maxTokens !== undefined && spec.opts.maxTokens > cap) {
    throw new FreeholdError("invalid_request", `options.num_predict: at most ${cap} tokens on this server`, { param: "options.num_predict" });
  }
  const backend = await resolveModel(app, spec.model);
  const signal = clientGone(req, reply);
  const out = new NdjsonStream(reply);
  const head = () => ({ model: spec.model, created_at: now() });
  const onDelta = spec.stream
    ? (d: Delta) => {
        const body = spec.piece(d);
        if (body && !signal.aborted) out.write({ ...head(), ...body, done: false });
      }
    : undefined;

  let result: GenerateResult;
  try {
    result = await spec.call(backend, { ...spec.opts, signal, onDelta, cacheScope: cacheScopeOf(req) });
    addUsage(reply.request, result.usage.promptTokens + result.usage.completionTokens);
  } catch (e) {
    if (signal.aborted) return out.abandon();
    if (!out.isStarted) throw e; // still time for a proper status
    const err = normalizeError(e);
    if (statusOf(err) >= 500) req.log.error({ err: err.details.cause ?? err }, err.message);
    return out.end({ error: err.message });
  }
  if (signal.aborted) return out.abandon();
  if (result.finishReason === "cancelled") {
    // Not the client: the model was dropped under the request or the server is stopping.
    const err = new FreeholdError("unavailable", `generation with "${spec.model}" was cancelled by the server (model unloaded or shutting down)`);
    if (!out.isStarted) throw err;
    return out.end({ error: err.message });
  }
  const done = {
    ...head(), ...spec.last(spec.stream ? undefined : result), done: true,
    done_reason: result.finishReason === "length" ? "length" : "stop",
    ...metrics(result, started),
  };
  if (spec.stream) return out.end(done);
  return reply.type("application/json").send(done);
}

const ns = (ms: number) => Math.max(0, Math.round(ms * 1e6));

/** Ollama's counters, durations in nanoseconds. */
export function metrics(r: GenerateResult, started: bigint) {
  const t = r.timings;
  const total = Math.max(Number(process.hrtime.bigint() - started), ns(t.totalMs));
  return {
    total_duration: total,
    load_duration: ns(t.loadMs),
    prompt_eval_count: r.usage.promptTokens,
    prompt_eval_duration: ns(t.firstTokenMs),
    eval_count: r.usage.completionTokens,
    eval_duration: ns(t.totalMs - t.queueMs - t.loadMs - t.firstTokenMs),
  };
}

/** Internal log-probabilities → Ollama's `{token, logprob, bytes, top_logprobs}`. */
export function logprobsOut(lp: TokenLogprob[] | undefined) {
  if (!lp?.length) return undefined;
  return lp.map((t) => ({
    token: t.token, logprob: t.logprob, bytes: t.bytes,
    top_logprobs: t.top.map((a) => ({ token: a.token, logprob: a.logprob, bytes: a.bytes })),
  }));
}
