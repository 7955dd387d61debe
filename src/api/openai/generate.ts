import { addUsage } from "../../auth/hook.ts";
import type { FastifyReply } from "fastify";
import { invalid } from "../../errors.ts";
import type { Backend } from "../../gateway/types.ts";
import type { Delta, GenerateOptions, GenerateResult } from "../../runtime/types.ts";
import { wireError } from "./present.ts";
import { abortOnDisconnect } from "./sse.ts";
import type { GenerationPlan } from "./translate.ts";

/** Route-level limits. */
export interface OpenAIOptions {
  /** Largest accepted max_tokens; default: the model's context size. */
  maxTokensLimit?: number;
}

/** A huge budget is refused up front with a precise 400, instead of generating for minutes. */
export async function checkBudget(plan: GenerationPlan, backend: Backend, opts: OpenAIOptions): Promise<void> {
  const asked = plan.opts.maxTokens;
  if (asked === undefined) return;
  const limit = opts.maxTokensLimit ?? (await backend.contextSize());
  if (limit !== undefined && asked > limit) {
    const what = opts.maxTokensLimit !== undefined ? "this server's limit" : "the model's context size";
    throw invalid(`${plan.maxTokensParam} is ${asked}, more than ${what} (${limit} tokens)`, plan.maxTokensParam);
  }
}

export interface StreamHooks {
  onDelta(choice: number, d: Delta): void;
  onDone(choice: number, r: GenerateResult): void;
}

const noLogprobs = () =>
  invalid("logprobs were requested, but this model's backend cannot return log-probabilities", "logprobs");

/**
 * Runs `count` generations concurrently (n choices, or prompts × n) and returns them in order.
 * The first failure aborts the rest; the client going away aborts all, so the runtime frees
 * their sequences. Choice j of n gets seed + j: reproducible, yet not n copies of one answer.
 */
export async function runChoices(args: {
  reply: FastifyReply;
  plan: GenerationPlan;
  count: number;
  run: (choice: number, opts: GenerateOptions) => Promise<GenerateResult>;
  hooks?: StreamHooks;
}): Promise<GenerateResult[]> {
  const { plan, count, hooks } = args;
  const abort = abortOnDisconnect(args.reply);
  const wantLogprobs = plan.opts.logprobs !== undefined;
  let failure: unknown;
  const fail = (e: unknown) => {
    failure ??= e;
    abort.abort(e);
  };
  const withLogprobs = new Set<number>();

  const one = async (i: number): Promise<GenerateResult> => {
    const seed = plan.opts.seed === undefined ? undefined : plan.opts.seed + (i % plan.n);
    const onDelta = hooks && ((d: Delta) => {
      if (failure !== undefined) return;
      // Asked for logprobs, a backend sends them with or before a token's text; if not, it cannot.
      if (d.logprobs?.length) withLogprobs.add(i);
      if (wantLogprobs && d.text && !withLogprobs.has(i)) return fail(noLogprobs());
      hooks.onDelta(i, d);
    });
    const r = await args.run(i, { ...plan.opts, seed, signal: abort.signal, ...(onDelta ? { onDelta } : {}) });
    addUsage(args.reply.request, r.usage.promptTokens + r.usage.completionTokens);
    if (failure === undefined && wantLogprobs && !r.logprobs && r.usage.completionTokens > 0) fail(noLogprobs());
    if (failure === undefined) hooks?.onDone(i, r);
    return r;
  };

  const settled = await Promise.allSettled(Array.from({ length: count }, (_, i) => one(i).catch((e) => {
    fail(e);
    throw e;
  })));
  if (failure !== undefined) throw wireError(failure);
  return settled.map((s) => (s as PromiseFulfilledResult<GenerateResult>).value);
}
