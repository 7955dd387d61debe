import { FreeholdError, invalid } from "../errors.ts";

/** Everything needed to call one upstream. Built by the registry; the key is resolved per use. */
export interface UpstreamTarget {
  /** The local model name clients use. */
  name: string;
  /** Normalized: no trailing slash, ends with the API root (e.g. http://host:8000/v1). */
  baseUrl: string;
  /** The model name sent upstream. */
  remoteModel: string;
  source: "store" | "config";
  /** How the key is held, safe to show: none | encrypted | config | env:VAR. */
  keyRef: string;
  createdAt: Date;
  /** Changes when the row is replaced (a new key under the same name). */
  version: string;
  /** The key, read when a request is made (env vars can be rotated without a restart). */
  apiKey(): Promise<string | undefined>;
}

/**
 * The base URL is what you would give the OpenAI SDK ("http://host:8000/v1",
 * "https://api.openai.com/v1"). A bare origin ("http://host:8000") gets "/v1", since every
 * OpenAI-compatible engine serves there; any other path is kept as given.
 */
export function normalizeBaseUrl(raw: string): string {
  let url: URL;
  try { url = new URL(raw); } catch { throw invalid(`invalid base URL "${raw}"`, "baseUrl"); }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(`base URL must be http(s): "${raw}"`, "baseUrl");
  if (url.search || url.hash) throw invalid("base URL must not have a query or fragment (put API keys in --api-key)", "baseUrl");
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.origin}${path || "/v1"}`;
}

/** For display: credentials in the URL (user:pass@) are never shown. */
export function displayUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  url.username = "";
  url.password = "";
  return url.toString().replace(/\/+$/, "");
}

/** "env:VAR" references an environment variable; anything else is the key itself. */
export function envKey(name: string, variable: string): () => Promise<string | undefined> {
  return async () => {
    const v = process.env[variable];
    if (!v) throw new FreeholdError("upstream_error", `upstream "${name}": its API key variable ${variable} is not set in the server's environment`);
    return v;
  };
}

export const ENV_VAR = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function checkEnvVar(variable: string): string {
  if (!ENV_VAR.test(variable)) throw invalid(`invalid environment variable name "${variable}"`, "apiKeyEnv");
  return variable;
}
