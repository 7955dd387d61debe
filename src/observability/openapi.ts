import type { FastifyInstance } from "fastify";
import type { BodySchemas } from "./openapiSchemas.ts";
import { isLlamaCppPath } from "../api/llamacpp/paths.ts";

/**
 * The OpenAPI 3.1 document of Freehold's own routes. Routes are collected as the server
 * registers them (an onRoute hook), so nothing is documented that does not exist and no route
 * is forgotten; summaries and bodies come from small tables keyed by "METHOD /path".
 */
export interface RouteInfo { method: string; url: string }

declare module "fastify" {
  interface FastifyContextConfig {
    /** Left out of the document: not part of the API (the web app's files). */
    undocumented?: boolean;
  }
}

/** "METHOD /url" of each route, as the body schemas are looked up (src/observability/openapiSchemas.ts). */
export const routeKeys = (routes: RouteInfo[]) => routes.map((r) => `${r.method} ${r.url}`);

/** Start collecting; call before any route is registered. */
export function collectRoutes(server: FastifyInstance): RouteInfo[] {
  const routes: RouteInfo[] = [];
  server.addHook("onRoute", (r) => {
    if (r.config?.undocumented) return;
    for (const method of [r.method].flat()) {
      // HEAD twins of GET routes are Fastify's, not ours to document.
      if (method !== "HEAD" && method !== "OPTIONS") routes.push({ method, url: r.url });
    }
  });
  return routes;
}

const SUMMARY: Record<string, string> = {
  "GET /health": "Liveness: the process answers",
  "GET /ready": "Readiness: the store answers and models can be listed",
  "GET /metrics": "Prometheus metrics (text exposition format)",
  "GET /openapi.json": "This document",
  "GET /v1/models": "List models (OpenAI)",
  "GET /v1/models/{model}": "One model (OpenAI)",
  "POST /v1/chat/completions": "Chat completion, streamed as server-sent events when stream is true (OpenAI)",
  "POST /v1/completions": "Text completion (OpenAI, legacy)",
  "POST /v1/embeddings": "Embeddings (OpenAI)",
  "POST /api/chat": "Chat, streamed as NDJSON unless stream is false (Ollama)",
  "POST /api/generate": "Text generation, streamed as NDJSON unless stream is false (Ollama)",
  "POST /api/embed": "Embeddings (Ollama)",
  "GET /api/tags": "List models (Ollama)",
  "POST /api/show": "Model details (Ollama)",
  "GET /api/ps": "Loaded models (Ollama)",
  "POST /api/pull": "Download a model, progress as NDJSON (Ollama)",
  "DELETE /api/delete": "Remove a model (Ollama)",
  "POST /api/copy": "Copy a model under a new name (Ollama)",
  "GET /api/version": "Server version (Ollama)",
  "GET /v1/arena/models": "Models a battle can draw from",
  "POST /v1/arena/battles": "Start a blind battle: both answers streamed as server-sent events, names hidden",
  "GET /v1/arena/battles": "My battles (blind until voted)",
  "GET /v1/arena/battles/{id}": "One battle (blind until voted)",
  "POST /v1/arena/battles/{id}/turns": "A follow-up to both sides, streamed",
  "POST /v1/arena/battles/{id}/vote": "Vote a, b, tie or both_bad; the answer reveals the models",
  "PUT /v1/arena/battles/{id}/category": "Correct a battle's category (admin)",
  "GET /v1/arena/leaderboard": "Bradley-Terry ratings with 95% bootstrap intervals (styleControl, category, from, to)",
  "GET /v1/arena/export": "Votes as FastChat battle-log JSONL (admin)",
  "POST /v1/arena/import": "Import FastChat battle-log JSONL (admin)",
  "GET /v1/evals/suites": "Eval suites: built-in and imported",
  "POST /v1/evals/suites": "Import a JSONL suite (line-numbered errors)",
  "POST /v1/evals/suites/build": "Build a suite from feedback or the feed",
  "GET /v1/evals/suites/{id}": "One suite with its cases",
  "GET /v1/evals/suites/{id}/leaderboard": "The suite's scores as a leaderboard column",
  "POST /v1/evals/runs": "Start a background, resumable eval run",
  "GET /v1/evals/runs": "Eval runs",
  "GET /v1/evals/runs/{id}": "A run: progress, means with 95% intervals, paired differences, disagreements",
  "GET /v1/evals/runs/{id}/results": "Per-case results",
  "POST /v1/evals/runs/{id}/cancel": "Cancel a run (finished cases are kept)",
  "POST /v1/evals/runs/{id}/resume": "Resume a run; finished cases are not re-run",
  "POST /v1/rerank": "Documents ordered by relevance to a query (reranker models; Jina's and Cohere's shape)",
  "POST /v1/reranking": "The same as /v1/rerank (llama.cpp's server's other path)",
  "POST /rerank": "The same as /v1/rerank (llama.cpp's server; its error shape), or with `texts` Text Embeddings Inference's rerank ([{index, score, text?}] back)",
  "POST /reranking": "The same as /v1/rerank (llama.cpp's server; its error shape)",
  "POST /v2/rerank": "The same as /v1/rerank (Cohere's v2 API; its error shape)",
  "POST /infill": "Code infill between a prefix and a suffix, as llama.cpp's server answers it (its editor plugins)",
  "POST /completion": "Text completion of a raw prompt (text or token ids), streamed as data: events when stream is true (llama.cpp's server)",
  "POST /tokenize": "A text's token ids, optionally with each token's piece (llama.cpp's server)",
  "POST /detokenize": "The text of token ids (llama.cpp's server)",
  "POST /apply-template": "Messages through the model's chat template, as the prompt the chat route evaluates (llama.cpp's server)",
  "GET /props": "The model's context size, default sampling, slots and chat template (llama.cpp's server; ?model=)",
  "GET /lora-adapters": "The model's LoRA adapters (its Modelfile's ADAPTER lines), numbered for a request's lora field (llama.cpp's server; ?model=)",
  "POST /lora-adapters": "Refused: llama.cpp's server's global adapter scales; send lora with each request instead",
  "GET /slots": "The model's sequences (parallel requests) and which are busy; 503 with ?fail_on_no_slot=1 when none is free (llama.cpp's server; ?model=)",
  "POST /slots/{id}": "Refused: llama.cpp's server's slot save, restore and erase; Freehold caches each caller's prompt by itself",
  "GET /v1/keys": "API keys (never their secrets)",
  "POST /v1/keys": "Create an API key; the answer holds its secret, shown only this once",
  "DELETE /v1/keys/{id}": "Revoke an API key",
  "GET /v1/upstreams": "Upstream engines served under local names (never their keys)",
  "POST /v1/upstreams": "Register an upstream engine's model under a local name",
  "DELETE /v1/upstreams/{name}": "Remove an upstream",
};

function tagOf(path: string): string {
  if (path.startsWith("/v1/arena")) return "Arena";
  if (path.startsWith("/v1/evals")) return "Evals";
  if (path.startsWith("/v1/keys") || path.startsWith("/v1/upstreams")) return "Admin";
  if (path.startsWith("/v1")) return "OpenAI-compatible";
  if (path.startsWith("/api")) return "Ollama-compatible";
  if (path.startsWith("/app/api")) return "Web app (cookie sessions)";
  if (isLlamaCppPath(path)) return "llama.cpp-compatible";
  if (path.startsWith("/v2/")) return "Cohere-compatible";
  return "Operations";
}

const STREAMS: Record<string, string> = {
  "POST /v1/chat/completions": "text/event-stream", "POST /v1/completions": "text/event-stream",
  "POST /v1/arena/battles": "text/event-stream", "POST /v1/arena/battles/{id}/turns": "text/event-stream",
  "POST /infill": "text/event-stream", "POST /completion": "text/event-stream",
  "POST /api/chat": "application/x-ndjson", "POST /api/generate": "application/x-ndjson", "POST /api/pull": "application/x-ndjson",
};

/** Fastify's `:name` and `*` → OpenAPI's `{name}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, "{$1}").replace(/\*$/, url.startsWith("/v1/models") ? "{model}" : url.startsWith("/v1/upstreams") ? "{name}" : "{path}");

/** `bodies`: bodySchemas(routeKeys(routes)), which needs zod: the route builds them in a worker thread. */
export function openApiDocument(routes: RouteInfo[], version: string, bodies: BodySchemas): Record<string, unknown> {
  const components: Record<string, Record<string, unknown>> = { ...ERROR_SCHEMAS, ...bodies.components };
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method));
  for (const r of sorted) {
    const path = openApiPath(r.url);
    const key = `${r.method} ${path}`;
    const body = bodies.byRoute[`${r.method} ${r.url}`];
    const shape = path.startsWith("/v1") ? "OpenAIError" : isLlamaCppPath(path) ? "LlamaCppError" : path.startsWith("/v2/") ? "CohereError" : "Error";
    const error = { $ref: `#/components/schemas/${shape}` };
    const ok: Record<string, unknown> = { "application/json": {} };
    if (STREAMS[key]) ok[STREAMS[key]] = { schema: { type: "string" } };
    if (path === "/metrics") { delete ok["application/json"]; ok["text/plain"] = { schema: { type: "string" } }; }
    const params = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: SUMMARY[key] ?? `${r.method} ${path}`,
      tags: [tagOf(path)],
      ...(params.length ? { parameters: params } : {}),
      ...(body ? { requestBody: { required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${body}` } } } } } : {}),
      responses: {
        "200": { description: "OK", content: ok },
        default: { description: "Error", content: { "application/json": { schema: error } } },
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Freehold", version, description: "OpenAI- and Ollama-compatible API for self-hosted open-weight models." },
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A Freehold API key (`freehold keys create`)" } },
    },
    security: [{}, { bearer: [] }],
  };
}

export const ERROR_SCHEMAS: Record<string, Record<string, unknown>> = {
  OpenAIError: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object",
        required: ["message", "type", "code"],
        properties: {
          message: { type: "string" }, type: { type: "string" },
          param: { type: ["string", "null"] }, code: { type: ["string", "null"] },
        },
      },
    },
  },
  Error: { type: "object", required: ["error"], properties: { error: { type: "string" } } },
  CohereError: { type: "object", required: ["message"], properties: { message: { type: "string" } } },
  LlamaCppError: {
    type: "object",
    required: ["error"],
    properties: {
      error: {
        type: "object", required: ["code", "message", "type"],
        properties: { code: { type: "integer" }, message: { type: "string" }, type: { type: "string" } },
      },
    },
  },
};
