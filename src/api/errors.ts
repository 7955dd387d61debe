import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { FreeholdError, type ErrorCode } from "../errors.ts";
import { isLlamaCppPath } from "./llamacpp/paths.ts";

const STATUS: Record<ErrorCode, number> = {
  invalid_request: 400, context_length_exceeded: 400, unauthorized: 401, forbidden: 403, not_found: 404,
  conflict: 409, payload_too_large: 413, rate_limited: 429, internal: 500, upstream_error: 502,
  unavailable: 503, model_too_large: 507, insufficient_storage: 507,
};

/** OpenAI's `error.type` for each of our codes. */
const OPENAI_TYPE: Partial<Record<ErrorCode, string>> = {
  invalid_request: "invalid_request_error", context_length_exceeded: "invalid_request_error",
  unauthorized: "authentication_error", forbidden: "permission_error", not_found: "invalid_request_error",
  rate_limited: "rate_limit_exceeded", payload_too_large: "invalid_request_error",
};

/** OpenAI's `error.code` where it has its own name for the case (clients match on these); ours otherwise. */
const OPENAI_CODE: Partial<Record<ErrorCode, string>> = { unauthorized: "invalid_api_key", rate_limited: "rate_limit_exceeded" };
const openaiCode = (e: FreeholdError) =>
  (e.code === "not_found" && e.details.param === "model" ? "model_not_found" : OPENAI_CODE[e.code] ?? e.code);

/** The runtime names options as GenerateOptions does (topK); OpenAI's wire as top_k. */
const openaiParam = (p: string | undefined) =>
  (p === undefined ? null : p === "format" ? "response_format" : p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

/** Turns anything thrown into a FreeholdError, including Fastify's own parse and size errors. */
export function normalizeError(err: unknown): FreeholdError {
  if (err instanceof FreeholdError) return err;
  const fe = err as FastifyError;
  if (fe?.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new FreeholdError("payload_too_large", "request body is too large");
  if (fe?.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") return new FreeholdError("invalid_request", "unsupported content type: send application/json");
  if (fe?.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) return new FreeholdError("invalid_request", fe.message);
  return new FreeholdError("internal", "internal error", { cause: err });
}

export const statusOf = (e: FreeholdError) => STATUS[e.code] ?? 500;

/** Anthropic's Messages API lives under /v1 too, and its clients expect Anthropic's error shape. */
export const isAnthropicRoute = (url: string) => url === "/v1/messages" || url.startsWith("/v1/messages/") || url.startsWith("/v1/messages?");

/** Anthropic's `error.type` for each of our codes (its SDKs pick their exception class by status). */
const ANTHROPIC_TYPE: Partial<Record<ErrorCode, string>> = {
  invalid_request: "invalid_request_error", context_length_exceeded: "invalid_request_error", conflict: "invalid_request_error",
  unauthorized: "authentication_error", forbidden: "permission_error", not_found: "not_found_error",
  payload_too_large: "request_too_large", rate_limited: "rate_limit_error", unavailable: "overloaded_error",
};

export const anthropicError = (e: FreeholdError) => ({ type: "error", error: { type: ANTHROPIC_TYPE[e.code] ?? "api_error", message: e.message } });

/** llama.cpp's server's own routes, answered in its error shape. */
export const isLlamaCppRoute = (url: string) => {
  const q = url.indexOf("?");
  return isLlamaCppPath(q < 0 ? url : url.slice(0, q));
};

/** llama-server's error types (format_error_response); 429 and 413, which it does not send, keep OpenAI's. */
const LLAMA_CPP_TYPE: Partial<Record<ErrorCode, string>> = {
  invalid_request: "invalid_request_error", context_length_exceeded: "exceed_context_size_error",
  unauthorized: "authentication_error", forbidden: "permission_error", not_found: "not_found_error",
  unavailable: "unavailable_error", rate_limited: "rate_limit_exceeded", payload_too_large: "invalid_request_error",
};

/**
 * llama.cpp's server's error: `{code, message, type}` with the HTTP status as `code`, and for a
 * prompt longer than the context its `n_prompt_tokens` and `n_ctx`. Streams end with the same
 * object as their last event.
 */
export function llamaCppError(e: FreeholdError) {
  const status = statusOf(e);
  const overflow = e.details.overflow;
  return {
    error: {
      code: status, message: e.message, type: LLAMA_CPP_TYPE[e.code] ?? "server_error",
      ...(e.code === "context_length_exceeded" && overflow ? { n_prompt_tokens: overflow.promptTokens, n_ctx: overflow.contextSize } : {}),
    },
  };
}

/**
 * One place decides status and wire shape: OpenAI's on /v1 (Anthropic's on /v1/messages),
 * llama.cpp's on its server's routes, Cohere's `{message}` on /v2, Ollama's `{error}` elsewhere.
 */
export function sendError(req: FastifyRequest, reply: FastifyReply, err: unknown) {
  const e = normalizeError(err);
  const status = statusOf(e);
  if (status >= 500) req.log.error({ err: e.details.cause ?? e }, e.message);
  if (e.details.retryAfterSeconds) reply.header("retry-after", String(Math.ceil(e.details.retryAfterSeconds)));
  if (reply.sent || reply.raw.headersSent) return; // a stream already started: the route ends it
  if (isAnthropicRoute(req.url)) return reply.status(status).send(anthropicError(e));
  if (isLlamaCppRoute(req.url)) return reply.status(status).send(llamaCppError(e));
  if (req.url.startsWith("/v2/")) return reply.status(status).send({ message: e.message }); // Cohere's v2 API (/v2/rerank)
  if (req.url.startsWith("/v1")) {
    return reply.status(status).send({
      error: { message: e.message, type: OPENAI_TYPE[e.code] ?? "server_error", param: openaiParam(e.details.param), code: openaiCode(e) },
    });
  }
  return reply.status(status).send({ error: e.message });
}
