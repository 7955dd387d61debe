/**
 * The route sets imported on their first request instead of at start (src/api/lazyRoutes.ts):
 * generation, the web app's features, the arena and evals, with their services and the zod
 * schemas that validate their bodies. A server asked only for /health, /ready, /metrics,
 * /v1/models or /api/tags loads none of them (bench/memory.ts).
 *
 * Each declaration lists the routes exactly as its modules register them, options included;
 * test/api/lazyRoutes.test.ts fails when one falls out of date.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../app.ts";
import { FreeholdError } from "../errors.ts";
import type { Voter } from "../arena/index.ts";
import type { Actor } from "../evals/service.ts";
import type { LazyRouteSet } from "./lazyRoutes.ts";
import type { OpenAIOptions } from "./openai/generate.ts";
import { RERANK_PATHS } from "./openai/rerankPaths.ts";

const USER = { config: { scope: "inference" } } as const;
const ADMIN = { config: { scope: "admin" } } as const;
const PUBLIC = { config: { appPublic: true } } as const;

/**
 * FastChat logs and eval suites are JSONL: taken as they are, or inside JSON. Not as text/plain
 * (Fastify's default): a page on another site can send that without a CORS preflight.
 */
function acceptJsonl(s: FastifyInstance): void {
  s.removeContentTypeParser("text/plain");
  s.addContentTypeParser(["application/x-ndjson", "application/jsonl"], { parseAs: "string" }, (_req, body, done) => done(null, body));
  s.addContentTypeParser("text/plain", (_req, _payload, done) =>
    done(new FreeholdError("invalid_request", "send JSONL as application/x-ndjson or application/jsonl, or {\"jsonl\": …} as application/json"), undefined));
}

/** /v1/chat/completions, /v1/completions, /v1/embeddings, /v1/responses, /v1/rerank and its other paths (src/api/openai). */
export const openaiGeneration: LazyRouteSet<[App, OpenAIOptions]> = {
  routes: [
    ["POST", "/v1/chat/completions"], ["POST", "/v1/completions"], ["POST", "/v1/embeddings"],
    ["POST", "/v1/responses"], ["GET", "/v1/responses/:id"], ["DELETE", "/v1/responses/:id"], ["GET", "/v1/responses/:id/input_items"],
    ...RERANK_PATHS.map((url) => ["POST", url, USER] as const),
  ],
  async load() {
    const [chat, completions, embeddings, responses, rerank] = await Promise.all([
      import("./openai/chat.ts"), import("./openai/completions.ts"), import("./openai/embeddings.ts"), import("./openai/responses/route.ts"),
      import("./openai/rerank.ts"),
    ]);
    return (s, app, o) => {
      chat.chatRoutes(s, app, o);
      completions.completionRoutes(s, app, o);
      embeddings.embeddingRoutes(s, app);
      responses.responseRoutes(s, app, o);
      rerank.rerankRoutes(s, app);
    };
  },
};

/** Anthropic's Messages API under /v1/messages (src/api/anthropic), for Claude Code and Anthropic's SDKs. */
export const anthropicMessages: LazyRouteSet<[App, OpenAIOptions]> = {
  routes: [["POST", "/v1/messages"], ["POST", "/v1/messages/count_tokens"]],
  load: async () => (await import("./anthropic/route.ts")).messagesRoutes,
};

/** Ollama's generation and model-transfer routes (src/api/ollama); tags, show, ps and version stay eager. */
export const ollamaGeneration: LazyRouteSet<[App]> = {
  routes: [["POST", "/api/chat"], ["POST", "/api/generate"], ["POST", "/api/embed"], ["POST", "/api/embeddings"], ["POST", "/api/create"], ["POST", "/api/pull"]],
  async load() {
    const [chat, generate, embed, create, pull] = await Promise.all([
      import("./ollama/chat.ts"), import("./ollama/generate.ts"), import("./ollama/embed.ts"), import("./ollama/create.ts"), import("./ollama/pull.ts"),
    ]);
    return (s, app) => {
      chat.chatRoute(s, app);
      generate.generateRoute(s, app);
      embed.embedRoutes(s, app);
      create.createRoute(s, app);
      pull.pullRoute(s, app);
    };
  },
};

/**
 * llama.cpp's server's own routes (src/api/llamacpp): /infill for its editor plugins (llama.vim,
 * llama.vscode), /completion, /tokenize, /detokenize, /apply-template, /props, /lora-adapters and /slots for its other clients.
 */
export const llamaCppRoutes: LazyRouteSet<[App]> = {
  routes: [
    ["POST", "/infill", USER], ["POST", "/completion", USER], ["POST", "/tokenize", USER], ["POST", "/detokenize", USER],
    ["POST", "/apply-template", USER], ["GET", "/props", USER], ["GET", "/lora-adapters", USER], ["POST", "/lora-adapters", USER], ["GET", "/slots", USER], ["POST", "/slots/:id", USER],
  ],
  async load() {
    const [infill, completion, tokens, props, lora, slots] = await Promise.all([
      import("./llamacpp/infill.ts"), import("./llamacpp/completion.ts"), import("./llamacpp/tokens.ts"), import("./llamacpp/props.ts"),
      import("./llamacpp/lora.ts"), import("./llamacpp/slots.ts"),
    ]);
    return (s, app) => {
      infill.infillRoute(s, app);
      completion.completionRoute(s, app);
      tokens.tokenRoutes(s, app);
      props.propsRoute(s, app);
      lora.loraRoutes(s, app);
      slots.slotRoutes(s, app);
    };
  },
};

/** The web app's accounts, conversations, feedback and feed under /app/api (src/api/app). */
export const webApp: LazyRouteSet<[App]> = {
  routes: [
    ["POST", "/signup", PUBLIC], ["POST", "/login", PUBLIC], ["POST", "/logout"], ["GET", "/session"],
    ["GET", "/users"], ["POST", "/users"], ["PATCH", "/users/:id"], ["POST", "/invites"],
    ["GET", "/conversations"], ["POST", "/conversations"], ["GET", "/conversations/:id"], ["PATCH", "/conversations/:id"],
    ["DELETE", "/conversations/:id"], ["POST", "/conversations/:id/messages"], ["POST", "/messages/:id/regenerate"],
    ["POST", "/messages/:id/select"], ["GET", "/conversations/:id/export"],
    ["POST", "/messages/:id/feedback"], ["GET", "/feedback"], ["GET", "/feedback/export"],
    ["POST", "/shares"], ["DELETE", "/shares/:id"], ["GET", "/feed"], ["POST", "/shares/:id/like"],
  ],
  async load() {
    const [accounts, conversations, feedback, shares] = await Promise.all([
      import("./app/accounts.ts"), import("./app/conversations.ts"), import("./app/feedback.ts"), import("./app/shares.ts"),
    ]);
    return (s, app) => {
      accounts.accountRoutes(s, app);
      conversations.conversationRoutes(s, app);
      feedback.feedbackRoutes(s, app);
      shares.shareRoutes(s, app);
    };
  },
};

/** The arena (src/api/arena/routes.ts), under /v1 and /app/api: only the voter differs. */
export const arena: LazyRouteSet<[App, (req: FastifyRequest) => Voter]> = {
  routes: [
    ["GET", "/arena/models", USER], ["POST", "/arena/battles", USER], ["GET", "/arena/battles", USER],
    ["GET", "/arena/battles/:id", USER], ["POST", "/arena/battles/:id/turns", USER], ["POST", "/arena/battles/:id/vote", USER],
    ["PUT", "/arena/battles/:id/category", ADMIN], ["GET", "/arena/leaderboard", USER],
    ["GET", "/arena/export", ADMIN], ["POST", "/arena/import", ADMIN],
  ],
  setup: acceptJsonl,
  load: async () => (await import("./arena/routes.ts")).arenaRouteSet,
};

/** Eval suites and runs (src/api/evals/routes.ts), under /v1 and /app/api: only the actor differs. */
export const evals: LazyRouteSet<[App, (req: FastifyRequest) => Actor]> = {
  routes: [
    ["GET", "/evals/suites", USER], ["POST", "/evals/suites", USER], ["POST", "/evals/suites/build", USER],
    ["GET", "/evals/suites/:id", USER], ["GET", "/evals/suites/:id/leaderboard", USER],
    ["POST", "/evals/runs", USER], ["GET", "/evals/runs", USER], ["GET", "/evals/runs/:id", USER],
    ["GET", "/evals/runs/:id/results", USER], ["POST", "/evals/runs/:id/cancel", USER], ["POST", "/evals/runs/:id/resume", USER],
  ],
  setup: acceptJsonl,
  load: async () => (await import("./evals/routes.ts")).evalRouteSet,
};

/** API keys and upstream engines (src/api/admin/routes.ts), under /v1: admin scope. */
export const admin: LazyRouteSet<[App]> = {
  routes: [["GET", "/keys"], ["POST", "/keys"], ["DELETE", "/keys/:id"], ["GET", "/upstreams"], ["POST", "/upstreams"], ["DELETE", "/upstreams/*"]],
  load: async () => (await import("./admin/routes.ts")).adminRouteSet,
};
