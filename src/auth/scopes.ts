/**
 * Which scope each route needs. Routes not listed here under /v1 or /api (or llama.cpp's and Cohere's paths, otherApi) need `admin`, so a
 * route added later is closed by default; a route can name its own scope with
 * `config: { scope: "inference" }`.
 */
import type { FastifyRequest } from "fastify";
import { isLlamaCppPath } from "../api/llamacpp/paths.ts";
import type { Scope } from "./types.ts";

/** `any`: any valid key, whatever its scopes. */
export type Need = Scope | "any";

declare module "fastify" {
  interface FastifyContextConfig {
    /** Scope a route needs when auth is on (see src/auth/scopes.ts). */
    scope?: Need;
  }
}

const INFERENCE = new Set([
  "/v1/models", "/v1/models/*", "/v1/chat/completions", "/v1/completions", "/v1/embeddings",
  "/v1/responses", "/v1/responses/:id", "/v1/responses/:id/input_items", "/v1/messages", "/v1/messages/count_tokens", "/v1/rerank",
  "/api/tags", "/api/show", "/api/ps", "/api/chat", "/api/generate", "/api/embed", "/api/embeddings",
  "/api/version",
]);
const MODELS = new Set(["/api/pull", "/api/delete", "/api/copy", "/api/create", "/api/push", "/api/blobs/:digest"]);

/**
 * API routes outside /v1 and /api (each declares its scope): llama.cpp's server's own, and
 * Cohere's v2 rerank.
 */
const otherApi = (path: string) => isLlamaCppPath(path) || path === "/v2/rerank";

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * null: open (/health, /ready, /openapi.json, the web app). /metrics needs a valid key of any
 * scope: aggregate counters, and a scraper should not need a key that can delete models.
 */
export function requiredScope(req: FastifyRequest): Need | null {
  const path = req.url.split("?")[0];
  if (!(under(path, "/v1") || under(path, "/api") || path === "/metrics" || otherApi(path))) return null;
  const declared = req.routeOptions.config?.scope;
  if (declared) return declared;
  const route = req.routeOptions.url;
  if (route === undefined) return "any"; // unknown route: authenticate, then 404
  if (path === "/metrics") return "any";
  if (INFERENCE.has(route)) return "inference";
  if (MODELS.has(route)) return "models";
  return "admin";
}

export function hasScope(scopes: readonly Scope[], need: Need): boolean {
  return need === "any" || scopes.includes("admin") || scopes.includes(need);
}
