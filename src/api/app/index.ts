/** The web app's JSON API under /app/api: cookie sessions with CSRF, never API keys (see session.ts). */
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { lazyRoutes } from "../lazyRoutes.ts";
import { webApp } from "../routeSets.ts";
import { arenaAppRoutes } from "./arena.ts";
import { evalAppRoutes } from "./evals.ts";
import { modelRoutes } from "./models.ts";
import { sessionHook } from "./session.ts";

export function appRoutes(server: FastifyInstance, app: App): void {
  server.decorateRequest("appSession", null);
  server.register(async (s) => {
    s.addHook("onRequest", sessionHook(app.accounts));
    lazyRoutes(s, webApp, app); // accounts, conversations, feedback, shares
    modelRoutes(s, app);
    arenaAppRoutes(s, app);
    evalAppRoutes(s, app);
  }, { prefix: "/app/api" });
}
