import Fastify, { LogController, type FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import type { App } from "../app.ts";
import { authDecision } from "../auth/decision.ts";
import { trustProxySetting } from "../config.ts";
import { registerAuth } from "../auth/hook.ts";
import { notFound } from "../errors.ts";
import { sendError } from "./errors.ts";
import { DEFAULT_STREAM_INTERVAL_MS } from "./coalesce.ts";
import { originGuard } from "./origin.ts";
import { collectRoutes } from "../observability/openapi.ts";
import { requestTimer } from "../observability/httpMetrics.ts";
import { healthRoutes } from "./routes/health.ts";
import { metricsRoute } from "./routes/metrics.ts";
import { openapiRoute } from "./routes/openapi.ts";
import { ollamaRoutes } from "./ollama/index.ts";
import { appRoutes } from "./app/index.ts";
import { arenaApiRoutes } from "./arena/index.ts";
import { evalRoutes } from "./evals/index.ts";
import { adminRoutes } from "./admin/index.ts";
import { purgeExpiredResponses } from "./openai/responses/retention.ts";
import { openaiRoutes } from "./openai/index.ts";
import { lazyRoutes } from "./lazyRoutes.ts";
import { llamaCppRoutes } from "./routeSets.ts";
import { serveAppShell, webRoutes } from "./routes/web.ts";

export interface ServerOptions {
  /** Largest accepted request body; larger ones get 413. */
  bodyLimitBytes?: number;
  /** Address the server will listen on: beyond loopback, API keys are required (src/auth/decision.ts). */
  host?: string;
  logger?: boolean | object;
  /** Time a client has to send a whole request, headers and body (default 60 s); answers are not limited. */
  requestTimeoutMs?: number;
  /** Admin access for the CLI on this machine, which reads it from <home>/server.json (src/auth/hook.ts). */
  localToken?: string;
}

/** The HTTP server: thin adapters over the app's modules. */
export async function buildServer(app: App, opts: ServerOptions = {}): Promise<FastifyInstance> {
  const requestTimeout = opts.requestTimeoutMs ?? app.config.server?.requestTimeoutMs ?? 60_000;
  if (typeof requestTimeout !== "number" || !(requestTimeout >= 100 && requestTimeout <= 3_600_000)) {
    throw new Error(`server.requestTimeoutMs in config.json is ${JSON.stringify(requestTimeout)}: expected a number of milliseconds from 100 to 3600000`);
  }
  const server = Fastify({
    bodyLimit: opts.bodyLimitBytes ?? app.limits.bodyLimitBytes,
    // A request (headers and body) must arrive within a minute: without a limit, clients that
    // trickle a body byte by byte hold their connections until the server runs out of them.
    // Answers, streamed ones included, are not limited by this. Node checks the deadline on an
    // interval (30 s by default, so a minute could become 90 s): check four times per timeout.
    // The headers' own deadline must not exceed the request's: Node swaps the two when it does,
    // and the body would then get the headers' 60 s.
    requestTimeout,
    http: { headersTimeout: Math.min(60_000, requestTimeout), connectionsCheckingInterval: Math.min(30_000, Math.max(50, requestTimeout / 4)) },
    logger: opts.logger ?? false,
    logController: new LogController({ disableRequestLogging: true }), // one line per request, at its end (requestTimer)
    genReqId: (req) => (req.headers["x-request-id"] as string | undefined)?.slice(0, 64) || randomUUID(),
    requestIdHeader: false,
    // Idle keep-alive sockets (e.g. a client's spare connection after an aborted stream) must not
    // hold shutdown for Fastify's 72 s keep-alive timeout.
    forceCloseConnections: true,
    // Behind a reverse proxy: X-Forwarded-Proto/-Host/-For give scheme (the session cookie's
    // Secure), host (the Origin check) and client address (login rate limit). Off by default,
    // as anyone can send those headers.
    trustProxy: trustProxySetting(app.config.server),
  });
  const streamIntervalMs = app.config.server?.streamIntervalMs ?? DEFAULT_STREAM_INTERVAL_MS;
  if (typeof streamIntervalMs !== "number" || !(streamIntervalMs >= 0 && streamIntervalMs <= 1000)) {
    throw new Error(`server.streamIntervalMs in config.json is ${JSON.stringify(streamIntervalMs)}: expected a number of milliseconds from 0 to 1000`);
  }
  server.decorate("streamIntervalMs", streamIntervalMs);
  const host = opts.host ?? "127.0.0.1";
  const keysRequired = authDecision(host, app.config.server).required;
  const timeRequest = requestTimer(app.metrics);
  const guardOrigin = originGuard({ server: app.config.server, host, keysRequired });
  // What every request gets, in one callback-style hook rather than three (they run on every
  // proxied request: bench/gateway.ts). The origin guard comes before auth, so nothing of a
  // refused request is read or checked.
  server.addHook("onRequest", (req, reply, done) => {
    reply.header("x-request-id", req.id);
    timeRequest(req, reply);
    let refused: unknown;
    try {
      if (guardOrigin(req, reply)) return; // it answered a CORS preflight
    } catch (e) {
      refused = e;
    }
    done(refused as Error | undefined);
  });
  const routes = collectRoutes(server); // before any route, so /openapi.json sees them all
  server.setErrorHandler((err, req, reply) => sendError(req, reply, err));
  server.setNotFoundHandler((req, reply) => {
    if (serveAppShell(req, reply)) return;
    return sendError(req, reply, notFound(`no route ${req.method} ${req.url.split("?")[0]}`));
  });
  registerAuth(server, app.auth, keysRequired, opts.localToken);
  healthRoutes(server, app);
  metricsRoute(server, app);
  openapiRoute(server, routes);
  openaiRoutes(server, app, { maxTokensLimit: app.limits.maxTokensCap });
  ollamaRoutes(server, app);
  lazyRoutes(server, llamaCppRoutes, app); // llama.cpp's server's own routes: /infill, /completion, /tokenize, /props, ...
  appRoutes(server, app);
  arenaApiRoutes(server, app);
  evalRoutes(server, app);
  adminRoutes(server, app);
  purgeExpiredResponses(server, app);
  // Once, in the background: models registered before imports recorded FIM tokens.
  server.addHook("onReady", async () => {
    void app.models.recordInfill().catch((e: unknown) => server.log.warn({ err: e }, "could not read models' fill-in-the-middle tokens"));
  });
  await webRoutes(server);
  return server;
}
