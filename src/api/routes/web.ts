/**
 * The web app: Vite's build in web/dist, served at /. Client-side routes (/chat/…, /arena, …)
 * fall back to index.html; API paths never do. A strict Content-Security-Policy backs up the
 * sanitiser: even if model output slipped through, inline scripts and remote loads would not run.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { lazy } from "../../lazy.ts";

export const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), "../../../web/dist");

const CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
].join("; ");

const API_PREFIXES = ["/v1", "/api", "/app/api", "/health", "/ready", "/metrics", "/openapi.json"];
const isApi = (path: string) => API_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));

/** @fastify/send (MIME types, ETag and Last-Modified, 304s, ranges) loads with the first file: an API-only server never needs it. */
const sender = lazy(async () => (await import("@fastify/send")).default);

function securityHeaders(reply: FastifyReply): void {
  reply.header("content-security-policy", CSP);
  reply.header("x-content-type-options", "nosniff");
  reply.header("referrer-policy", "same-origin");
  reply.header("x-frame-options", "DENY");
}

/** One route per file of the build (it does not change while the server runs), and / for index.html. */
export async function webRoutes(server: FastifyInstance): Promise<void> {
  if (!existsSync(join(WEB_DIST, "index.html"))) {
    server.get("/", async (_req, reply) => reply.type("text/plain").send("The web app is not built: run `npm run build:web`.\n"));
    return;
  }
  const hidden = { config: { undocumented: true } }; // not the API: left out of /openapi.json
  const files = readdirSync(WEB_DIST, { recursive: true, encoding: "utf8" }).filter((f) => statSync(join(WEB_DIST, f)).isFile());
  for (const file of files.map((f) => f.split(sep).join("/"))) {
    server.get(`/${file}`, hidden, (req, reply) => sendWebFile(req, reply, file));
  }
  server.get("/", hidden, (req, reply) => sendWebFile(req, reply, "index.html"));
}

async function sendWebFile(req: FastifyRequest, reply: FastifyReply, file: string): Promise<FastifyReply> {
  const send = await sender();
  const r = await send(req.raw, `/${encodeURI(file)}`, { root: WEB_DIST });
  if (r.type !== "file") { // removed since the server started
    reply.callNotFound();
    return reply;
  }
  reply.code(r.statusCode).headers(r.headers);
  securityHeaders(reply);
  // Hashed asset names never change content; index.html must be revalidated.
  reply.header("cache-control", file.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  return reply.send(r.stream);
}

/** For the not-found handler: a browser navigating to a client-side route gets the app. */
export function serveAppShell(req: FastifyRequest, reply: FastifyReply): boolean {
  const path = req.url.split("?")[0];
  if (req.method !== "GET" || isApi(path) || !(req.headers.accept ?? "").includes("text/html")) return false;
  if (!existsSync(join(WEB_DIST, "index.html"))) return false;
  sendWebFile(req, reply, "index.html").catch((e) => reply.send(e));
  return true;
}
