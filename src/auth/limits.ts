/** Server-wide request limits from config.json's `server` section, with their defaults. */
import type { FreeholdConfig } from "../config.ts";

export interface ServerLimits {
  /** Largest request body; larger ones get 413. */
  bodyLimitBytes: number;
  /** Upper bound for max_tokens / max_completion_tokens / num_predict; undefined = the model's context. */
  maxTokensCap?: number;
}

export const DEFAULT_BODY_LIMIT = 8 * 1024 * 1024;

const positiveInt = (v: unknown, what: string): number | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) <= 0) throw new Error(`config.json: server.${what} must be a positive integer`);
  return v as number;
};

export function serverLimits(server: FreeholdConfig["server"] = {}): ServerLimits {
  return {
    bodyLimitBytes: positiveInt(server.bodyLimitBytes, "bodyLimitBytes") ?? DEFAULT_BODY_LIMIT,
    maxTokensCap: positiveInt(server.maxTokensCap, "maxTokensCap"),
  };
}
