/**
 * llama.cpp's server's own routes that Freehold serves beside /v1 and /api (src/api/llamacpp, and
 * its rerank paths): they answer in its error shape (src/api/errors.ts), need a key as /v1 does
 * (src/auth/scopes.ts), and have their own tag in /openapi.json.
 */
export const LLAMA_CPP_PATHS: ReadonlySet<string> = new Set(["/infill", "/completion", "/tokenize", "/detokenize", "/apply-template", "/props", "/lora-adapters", "/slots", "/rerank", "/reranking"]);

/** One of those paths, or below /slots/ (llama-server's per-slot actions). Without the query. */
export const isLlamaCppPath = (path: string) => LLAMA_CPP_PATHS.has(path) || path.startsWith("/slots/");
