/**
 * Errors as named types with a code. The API maps `code` to an HTTP status and wire shape in
 * one place (api/errors.ts); the CLI prints `message`. Nothing else decides statuses.
 */
export type ErrorCode =
  | "invalid_request" // 400
  | "unauthorized" // 401
  | "forbidden" // 403
  | "not_found" // 404
  | "conflict" // 409
  | "payload_too_large" // 413
  | "context_length_exceeded" // 400
  | "rate_limited" // 429
  | "model_too_large" // 507: cannot fit in the memory budget
  | "insufficient_storage" // 507
  | "upstream_error" // 502
  | "unavailable" // 503
  | "internal"; // 500

export class FreeholdError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: {
      param?: string; retryAfterSeconds?: number; cause?: unknown;
      /** An input longer than the context: its tokens and the context's (llama.cpp's server reports both). */
      overflow?: { promptTokens: number; contextSize: number };
    } = {},
  ) {
    super(message);
    this.name = "FreeholdError";
  }
}

export const invalid = (message: string, param?: string) => new FreeholdError("invalid_request", message, { param });
export const notFound = (message: string, param?: string) => new FreeholdError("not_found", message, { param });
export const conflict = (message: string) => new FreeholdError("conflict", message);
