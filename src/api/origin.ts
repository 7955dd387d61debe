/**
 * Who may reach the server through a browser or a proxy. API keys (src/auth) keep other people
 * out; these checks keep out other *websites* the local user visits, whose pages the browser
 * lets send requests to 127.0.0.1 (docs/auth.md, "Browsers and proxies"):
 * - a foreign `Origin` is refused on every route: otherwise a page elsewhere can send "simple"
 *   requests (text/plain or form bodies, `mode: "no-cors"`) that skip the CORS preflight and
 *   write blind, with or without keys (cookies ride along on the web app's routes);
 * - an open server refuses a `Host` that is not one of its names: DNS rebinding points an
 *   attacker's name at 127.0.0.1, which makes its page same-origin with us and able to read;
 * - an open server refuses proxied requests unless `trustProxy` is set: a reverse proxy on this
 *   machine connects from loopback, so everyone it serves would be the local user.
 * Runs on onRequest before the auth hook, so nothing of a refused request is read or checked.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { isIP } from "node:net";
import { isLoopback } from "../auth/decision.ts";
import { trustProxySetting, type FreeholdConfig } from "../config.ts";
import { FreeholdError } from "../errors.ts";

type ServerConfig = NonNullable<FreeholdConfig["server"]>;

/** A comma-separated environment variable wins over the config's list (flags > env > config.json). */
function list(env: string | undefined, value: string[] | string | undefined): string[] {
  const raw = env ?? value ?? [];
  return (typeof raw === "string" ? raw.split(",") : raw).map((s) => s.trim()).filter(Boolean);
}

/** `scheme://host[:port]`, case folded and without a default port; other strings (`null`, `chrome-extension://…`) as they are. */
function originKey(s: string): string {
  try {
    const u = new URL(s);
    if (u.protocol === "http:" || u.protocol === "https:") return u.origin;
  } catch { /* not a URL: compared as text */ }
  return s.trim().toLowerCase();
}

const bare = (host: string) => host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");

const PROXY_HEADERS = ["x-forwarded-for", "forwarded", "x-real-ip"];

export interface OriginGuardOptions {
  server?: ServerConfig;
  /** The address the server listens on: its own name passes the Host check. */
  host: string;
  /** Whether API keys are required (src/auth/decision.ts): the Host and proxy checks guard open servers only. */
  keysRequired: boolean;
  env?: NodeJS.ProcessEnv;
}

/**
 * The guard, for the server's onRequest hook (src/api/server.ts): throws when the request is
 * refused, returns true when it answered a CORS preflight itself.
 */
export function originGuard(o: OriginGuardOptions): (req: FastifyRequest, reply: FastifyReply) => boolean {
  const env = o.env ?? process.env;
  const origins = new Set(list(env.FREEHOLD_ORIGINS, o.server?.allowedOrigins).map((s) => (s === "*" ? s : originKey(s))));
  const hosts = new Set([...list(env.FREEHOLD_ALLOWED_HOSTS, o.server?.allowedHosts), o.host].map(bare));
  const trustsProxy = Boolean(trustProxySetting(o.server, env));

  return function guard(req: FastifyRequest, reply: FastifyReply): boolean {
    if (!o.keysRequired) {
      if (!trustsProxy && PROXY_HEADERS.some((h) => req.headers[h] !== undefined)) {
        throw new FreeholdError("forbidden", "this server runs without API keys and the request came through a proxy " +
          "(X-Forwarded-For, Forwarded or X-Real-IP): everyone the proxy serves would act as the local user. A proxied server must " +
          "require API keys: set server.requireAuth, and server.trustProxy so the proxy's scheme and host are honoured");
      }
      // IP addresses cannot be rebound to us; only names can.
      const h = bare(req.hostname);
      if (h && !isIP(h) && !isLoopback(h) && !hosts.has(h) && !hosts.has("*")) {
        throw new FreeholdError("forbidden", `Host "${req.hostname}" is not a name of this server (a DNS rebinding guard on ` +
          "servers without API keys): use localhost or 127.0.0.1, or add it to server.allowedHosts or FREEHOLD_ALLOWED_HOSTS");
      }
    }
    const origin = req.headers.origin;
    if (origin === undefined || originKey(origin) === ownOrigin(req)) return false;
    if (!origins.has("*") && !origins.has(originKey(origin))) {
      throw new FreeholdError("forbidden", `cross-origin request from ${origin} refused: only this server's own pages may ` +
        "call it from a browser. Allow an origin with server.allowedOrigins or FREEHOLD_ORIGINS; behind a reverse proxy, " +
        "set server.trustProxy");
    }
    // An allowed origin may read responses (CORS, like OLLAMA_ORIGINS), without cookies.
    reply.header("access-control-allow-origin", origin).header("vary", "Origin");
    const preflight = req.headers["access-control-request-method"];
    if (req.method === "OPTIONS" && preflight) {
      reply.header("access-control-allow-methods", preflight).header("access-control-max-age", "600");
      const asked = req.headers["access-control-request-headers"];
      if (asked) reply.header("access-control-allow-headers", asked);
      reply.code(204).send();
      return true;
    }
    return false;
  };
}

/** Where the request was sent: scheme and Host (the proxy's, with trustProxy), as a browser writes its Origin. */
function ownOrigin(req: FastifyRequest): string | null {
  try {
    return new URL(`${req.protocol}://${req.host}`).origin;
  } catch { return null; }
}
