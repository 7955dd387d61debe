import { FreeholdError, type ErrorCode } from "../errors.ts";

/**
 * An upstream's HTTP error → ours. Statuses that describe the client's request keep their
 * meaning (400 stays 400, an unknown model is not_found, 429 keeps its Retry-After); anything
 * that is the upstream's or our configuration's fault (401/403 on our key, 5xx) is a 502.
 */
export function upstreamHttpError(name: string, status: number, headers: Record<string, unknown>, bodyText: string, key?: string): FreeholdError {
  const { message, param, code } = parseBody(bodyText);
  const text = redact(message || `HTTP ${status}`, key);
  const say = (c: ErrorCode, extra: Partial<FreeholdError["details"]> = {}) =>
    new FreeholdError(c, `upstream "${name}": ${text}`, { param, ...extra });
  if (code === "context_length_exceeded") return say("context_length_exceeded");
  if (status === 404) return say("not_found");
  if (status === 413) return say("payload_too_large");
  if (status === 429) return say("rate_limited", { retryAfterSeconds: retryAfter(headers["retry-after"]) });
  if (status === 401 || status === 403) return new FreeholdError("upstream_error", `upstream "${name}" refused our credentials (HTTP ${status}): ${text}`);
  if (status >= 400 && status < 500) return say("invalid_request");
  return new FreeholdError("upstream_error", `upstream "${name}" failed (HTTP ${status}): ${text}`);
}

/** The upstream could not be reached at all, or broke off mid-answer. */
export function upstreamUnreachable(name: string, err: unknown): FreeholdError {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const why = e?.cause?.code ?? e?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return new FreeholdError("upstream_error", `upstream "${name}" is unreachable: ${why}`, { cause: err });
}

/** An error event inside a stream (`data: {"error": {...}}`). */
export function upstreamStreamError(name: string, error: unknown, key?: string): FreeholdError {
  const { message } = parseBody(JSON.stringify({ error }));
  return new FreeholdError("upstream_error", `upstream "${name}": ${redact(message || "error during streaming", key)}`);
}

/** OpenAI `{error: {message, param, code}}`, Ollama `{error: "..."}`, FastAPI `{detail}`, or plain text. */
function parseBody(text: string): { message: string; param?: string; code?: string } {
  let v: any;
  try { v = JSON.parse(text); } catch { return { message: text.trim().slice(0, 500) }; }
  const e = v?.error ?? v;
  const message = typeof e === "string" ? e : e?.message ?? (typeof v?.detail === "string" ? v.detail : JSON.stringify(v?.detail ?? v));
  return {
    message: String(message).slice(0, 500),
    param: typeof e?.param === "string" ? e.param : undefined,
    code: typeof e?.code === "string" ? e.code : undefined,
  };
}

/** Upstreams sometimes quote the key they were sent; it must not reach our clients or logs. */
export function redact(text: string, key?: string): string {
  return key && key.length >= 4 ? text.split(key).join("***") : text;
}

/** Retry-After is seconds or an HTTP date. */
function retryAfter(h: unknown): number | undefined {
  const v = Array.isArray(h) ? h[0] : h;
  if (typeof v !== "string") return undefined;
  const s = Number(v);
  if (Number.isFinite(s) && s >= 0) return Math.max(1, s);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(1, (at - Date.now()) / 1000);
}
