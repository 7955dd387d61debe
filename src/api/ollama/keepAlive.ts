import { invalid } from "../../errors.ts";

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, "μs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Ollama's keep_alive → GenerateOptions.keepAliveMs: a number is seconds, a string is a Go
 * duration ("5m", "1h30m", "10s"); 0 unloads right after the request, any negative value keeps
 * the model loaded forever (-1). A numeric string ("300") is read as seconds too.
 */
export function parseKeepAlive(v: number | string | null | undefined): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === "number" ? v * 1000 : parseDuration(v.trim());
  if (ms === undefined || !Number.isFinite(ms)) {
    throw invalid(`keep_alive: "${v}" is not a duration: use seconds (300), a duration ("5m", "1h"), 0 to unload or -1 to keep loaded`, "keep_alive");
  }
  return ms < 0 ? -1 : Math.round(ms);
}

function parseDuration(s: string): number | undefined {
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)$/.test(s)) return Number(s) * 1000;
  const sign = s.startsWith("-") ? -1 : 1;
  const body = s.replace(/^[-+]/, "");
  if (!body) return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const m = PART.exec(body);
    if (!m) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2]];
  }
  return sign * total;
}

/** When a model loaded with this keep-alive will be unloaded, for /api/ps (far future = never). */
export const FOREVER = new Date("9999-12-31T23:59:59Z");
