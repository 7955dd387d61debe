import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { lazyRoutes } from "../lazyRoutes.ts";
import { anthropicMessages, openaiGeneration } from "../routeSets.ts";
import type { OpenAIOptions } from "./generate.ts";
import { modelRoutes } from "./models.ts";

export type { OpenAIOptions } from "./generate.ts";

/** Largest max_tokens from the environment, when the caller does not pass one. */
function envLimit(): number | undefined {
  const v = Number(process.env.FREEHOLD_MAX_TOKENS);
  return Number.isInteger(v) && v > 0 ? v : undefined;
}

/** OpenAI-compatible routes under /v1 (and Anthropic's /v1/messages). */
export function openaiRoutes(server: FastifyInstance, app: App, opts: OpenAIOptions = {}) {
  const o: OpenAIOptions = { maxTokensLimit: opts.maxTokensLimit ?? envLimit() };
  modelRoutes(server, app);
  lazyRoutes(server, openaiGeneration, app, o); // chat, completions, embeddings, responses
  lazyRoutes(server, anthropicMessages, app, o); // Anthropic's Messages API shares /v1 and the generation path
}
