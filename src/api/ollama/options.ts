import { invalid } from "../../errors.ts";
import type { Backend } from "../../gateway/types.ts";
import type { GenerateOptions } from "../../runtime/types.ts";
import { parseKeepAlive } from "./keepAlive.ts";
import { formatFrom, samplingFrom } from "./translate.ts";
import type { ChatRequest } from "./wire.ts";

type Common = Pick<ChatRequest, "options" | "format" | "keep_alive" | "logprobs" | "top_logprobs">;

/** The generation options /api/chat and /api/generate share. */
export function commonOptions(body: Common): Omit<GenerateOptions, "signal" | "onDelta"> {
  const opts: GenerateOptions = { ...samplingFrom(body.options) };
  const format = formatFrom(body.format);
  if (format) opts.format = format;
  const keepAliveMs = parseKeepAlive(body.keep_alive);
  if (keepAliveMs !== undefined) opts.keepAliveMs = keepAliveMs;
  if (body.logprobs) opts.logprobs = body.top_logprobs ?? 0;
  return opts;
}

/**
 * num_ctx: the context size is set per model when it loads, not per request. A smaller num_ctx
 * is honoured in spirit (the request fits); a larger one is refused rather than silently cut.
 */
export async function checkNumCtx(backend: Backend, model: string, numCtx: number | null | undefined) {
  if (!numCtx) return;
  const ctx = await backend.contextSize();
  if (ctx !== undefined && numCtx > ctx) {
    throw invalid(
      `options.num_ctx: ${numCtx} tokens is more than the ${ctx}-token context "${model}" runs with on this server; ` +
        "the context size is set per model, not per request",
      "options.num_ctx",
    );
  }
}
