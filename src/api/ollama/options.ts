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
  // As in Ollama, num_ctx sets the context the model runs with (capped at its trained length).
  // Freehold keeps the usual instance for other requests and loads one with the larger context
  // beside it; a smaller num_ctx runs in the usual, larger context.
  if (body.options?.num_ctx) opts.contextSize = body.options.num_ctx;
  return opts;
}
