/**
 * The auth gate for /v1, /api and /metrics. Runs on onRequest, after routing and before the
 * body is read, so a caller without a key cannot make the server parse a large body.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { createHash, timingSafeEqual } from "node:crypto";
import { FreeholdError } from "../errors.ts";
import { requiredScope } from "./scopes.ts";
import type { AuthService } from "./service.ts";
import type { ApiKey } from "./types.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** The authenticated key; null on an open server or an open route. */
    freeholdKey: ApiKey | null;
    /** Prompt + generated tokens this request used, charged to the key's quota when it ends. */
    tokensUsed: number;
  }
}

/** Routes call this with each generation's usage; the charge happens once, on response. */
export function addUsage(req: FastifyRequest, tokens: number): void {
  req.tokensUsed += tokens;
}

/** Whose cached prompt tokens a request may reuse (runtime/promptCache.ts): its key's, or everyone's on a keyless server. */
export function cacheScopeOf(req: FastifyRequest): string {
  return req.freeholdKey ? `key:${req.freeholdKey.id}` : "open";
}

/** `Authorization: Bearer <key>`, else `x-api-key: <key>`. */
export function presentedSecret(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : auth.trim();
  }
  const x = req.headers["x-api-key"];
  return (Array.isArray(x) ? x[0] : x)?.trim() || undefined;
}

/**
 * Who presents the server's local token: the CLI on the same machine, which read it from
 * <home>/server.json (src/cli/runningServer.ts). Reading that file takes the same access as
 * opening the database the keys live in, so it grants admin. Its id cannot be a stored key's (8 characters).
 */
export const LOCAL_CLI: ApiKey = {
  id: "local", name: "the CLI on this machine", scopes: ["admin"], ratePerMinute: null, tokenQuota: null, tokensUsed: 0,
  owner: null, createdAt: new Date(0), expiresAt: null, lastUsedAt: null, revokedAt: null,
};

const digest = (s: string) => createHash("sha256").update(s).digest();

/**
 * Adds `req.freeholdKey`, and when `required` the hook that demands a key with the right scope
 * (or `localToken`, see LOCAL_CLI).
 */
export function registerAuth(server: FastifyInstance, auth: AuthService, required: boolean, localToken?: string): void {
  server.decorateRequest("freeholdKey", null);
  server.decorateRequest("tokensUsed", 0);
  if (!required) return;
  const local = localToken ? digest(localToken) : undefined;
  // Keys are `fh_…`, the local token `fhl_…`: requests with a key skip the hash.
  const isLocal = (secret: string | undefined) => local !== undefined && !!secret?.startsWith("fhl_") && timingSafeEqual(digest(secret), local);
  server.addHook("onResponse", async (req) => {
    if (req.freeholdKey && req.freeholdKey !== LOCAL_CLI && req.tokensUsed > 0) await auth.recordUsage(req.freeholdKey.id, req.tokensUsed);
  });
  server.addHook("onRequest", async (req, reply) => {
    const need = requiredScope(req);
    if (need === null) return;
    const secret = presentedSecret(req);
    if (isLocal(secret)) {
      req.freeholdKey = LOCAL_CLI;
      return;
    }
    try {
      const key = await auth.authenticate(secret);
      auth.authorize(key, need);
      auth.checkLimits(key);
      req.freeholdKey = key;
    } catch (e) {
      if (e instanceof FreeholdError && e.code === "unauthorized") reply.header("www-authenticate", 'Bearer realm="freehold"');
      throw e;
    }
  });
}
