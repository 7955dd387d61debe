/**
 * Cookie sessions for the web app. /app/api sits outside the API-key gate (src/auth/scopes.ts);
 * here every route needs a live session unless it declares `config: { appPublic: true }`, and
 * every cookie-authenticated write must echo the session's CSRF token in `x-csrf-token`.
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { timingSafeEqual } from "node:crypto";
import type { SessionUser } from "../../accounts/types.ts";
import type { AccountsService } from "../../accounts/service.ts";
import { FreeholdError } from "../../errors.ts";

export const COOKIE = "fh_session";
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

declare module "fastify" {
  interface FastifyRequest {
    /** The signed-in web-app user; set on /app/api routes. */
    appSession: SessionUser | null;
  }
  interface FastifyContextConfig {
    /** An /app/api route reachable without a session (sign-up, login). */
    appPublic?: boolean;
  }
}

export function readCookie(req: FastifyRequest, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return undefined;
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeSeconds: number): void {
  const secure = req.protocol === "https" ? "; Secure" : "";
  reply.header("set-cookie", `${COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`);
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** onRequest hook for the /app/api scope. */
export function sessionHook(accounts: AccountsService) {
  return async (req: FastifyRequest) => {
    if (req.routeOptions.config?.appPublic) return;
    const s = await accounts.session(readCookie(req, COOKIE));
    if (!s) throw new FreeholdError("unauthorized", "sign in first");
    if (WRITES.has(req.method)) {
      const h = req.headers["x-csrf-token"];
      if (typeof h !== "string" || !same(h, s.csrf)) throw new FreeholdError("forbidden", "missing or wrong x-csrf-token header");
    }
    req.appSession = s;
  };
}

/** The session user; only called from routes behind the hook. */
export function userOf(req: FastifyRequest) {
  if (!req.appSession) throw new FreeholdError("unauthorized", "sign in first");
  return req.appSession.user;
}

export function adminOf(req: FastifyRequest) {
  const u = userOf(req);
  if (u.role !== "admin") throw new FreeholdError("forbidden", "admins only");
  return u;
}
