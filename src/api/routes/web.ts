/**
 * The web app: Vite's build in web/dist, served at /. Client-side routes (/chat/…, /arena, …)
 * fall back to index.html; API paths never do. A strict Content-Security-Policy backs up the
 * sanitiser: even if model output slipped through, inline scripts and remote loads would not run.
 */
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), "../../../web/dist");

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join("; ");

const API_PREFIXES = ["/v1", "/api", "/app/api", "/health", "/ready", "/metrics", "/openapi.json"];
const isApi = (path: string) => API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

function securityHeaders(reply: FastifyReply): void {
  reply.header("content-security-policy", CSP);
  reply.header("x-content-type-options", "nosniff");
  reply.header("referrer-policy", "same-origin");
  reply.header("x-frame-options", "DENY");
}

export async function webRoutes(server: FastifyInstance): Promise<void> {
  if (!existsSync(join(WEB_DIST, "index.html"))) {
    server.get("/", async (_req, reply) => reply.type("text/plain").send("The web app is not built: run `npm run build:web`.\n"));
    return;
  }
  await server.register(fastifyStatic, {
    root: WEB_DIST, prefix: "/", wildcard: false, index: ["index.html"],
    setHeaders: (reply, path) => {
      securityHeaders(reply);
      // Hashed asset names never change content; index.html must be revalidated.
      reply.header("cache-control", path.includes("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    },
  });
}

/** For the not-found handler: a browser navigating to a client-side route gets the app. */
export function serveAppShell(req: FastifyRequest, reply: FastifyReply): boolean {
  const path = req.url.split("?")[0];
  if (req.method !== "GET" || isApi(path) || !(req.headers.accept ?? "").includes("text/html")) return false;
  if (!existsSync(join(WEB_DIST, "index.html"))) return false;
  securityHeaders(reply);
  reply.header("cache-control", "no-cache");
  void reply.sendFile("index.html");
  return true;
}
