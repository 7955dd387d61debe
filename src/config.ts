import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where Freehold keeps its data: `--home`, else FREEHOLD_HOME, else ~/.freehold. */
export function resolveHome(flag?: string): string {
  return resolve(flag ?? process.env.FREEHOLD_HOME ?? join(homedir(), ".freehold"));
}

export interface Paths {
  home: string;
  models: string; // model files, one per registered model
  downloads: string; // partial downloads (resumable), renamed into models/ when verified
  adapters: string; // LoRA adapter files, <sha256>.gguf, shared by the models whose presets name them
  db: string; // PGlite data folder (unused when DATABASE_URL is set)
}

export function pathsFor(home: string): Paths {
  return { home, models: join(home, "models"), downloads: join(home, "downloads"), adapters: join(home, "adapters"), db: join(home, "db") };
}

/**
 * Optional settings file, <home>/config.json. Every field has a default; command-line flags and
 * environment variables win over it. Sections are owned by the module they configure.
 */
export interface FreeholdConfig {
  server?: {
    host?: string;
    port?: number;
    /** Require an API key even on loopback (beyond loopback it is always required unless `insecureNoAuth`). */
    requireAuth?: boolean;
    /** Explicitly allow an open server beyond loopback (not recommended). */
    insecureNoAuth?: boolean;
    bodyLimitBytes?: number;
    /** Upper bound for max_tokens / num_predict on every request. */
    maxTokensCap?: number;
    /**
     * Browser origins (`scheme://host[:port]`) besides the server's own that may call it, `"*"`
     * for any; every other `Origin` gets 403 (src/api/origin.ts). Env FREEHOLD_ORIGINS
     * (comma-separated) wins.
     */
    allowedOrigins?: string[];
    /** Host names besides loopback ones and IP addresses that an open (keyless) server answers to. Env FREEHOLD_ALLOWED_HOSTS wins. */
    allowedHosts?: string[];
    /**
     * Fastify's `trustProxy`: true, or the proxies' addresses/CIDRs (e.g. "127.0.0.1"). Requests
     * from them have their scheme, host and client from X-Forwarded-Proto/-Host/-For. Env FREEHOLD_TRUST_PROXY wins.
     */
    trustProxy?: boolean | string | string[];
    /**
     * Streamed answers send at most once per this many ms, batching tokens that come faster
     * (default 20; 0 sends every token as it comes). See src/api/coalesce.ts.
     */
    streamIntervalMs?: number;
    /** Time a client has to send a whole request, headers and body (default 60000 ms); answers are not limited. */
    requestTimeoutMs?: number;
  };
  runtime?: Record<string, unknown>;
  /** Answers stored by /v1/responses (`store`, on by default as at OpenAI). */
  responses?: {
    /** Days they are kept (default 30, as OpenAI keeps them); older ones are deleted, hourly and at start. */
    retentionDays?: number;
  };
  /** Remote OpenAI-compatible engines served under local names (see `freehold upstream`). */
  upstreams?: { name: string; baseUrl: string; apiKey?: string; remoteModel?: string }[];
}

/** Fastify's `trustProxy`: FREEHOLD_TRUST_PROXY ("true", "false" or the proxies' addresses), else config.json; falsy when none. */
export function trustProxySetting(server: FreeholdConfig["server"] = {}, env = process.env): boolean | string | string[] | undefined {
  const v = env.FREEHOLD_TRUST_PROXY?.trim();
  if (v) return v === "true" || v === "false" ? v === "true" : v;
  return Array.isArray(server.trustProxy) && server.trustProxy.length === 0 ? undefined : server.trustProxy;
}

export async function loadConfig(home: string): Promise<FreeholdConfig> {
  const { readFile } = await import("node:fs/promises");
  const file = join(home, "config.json");
  let text: string;
  try { text = await readFile(file, "utf8"); } catch { return {}; }
  try {
    return JSON.parse(text) as FreeholdConfig;
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
}
