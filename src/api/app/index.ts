/** The web app's JSON API under /app/api: cookie sessions with CSRF, never API keys (see session.ts). */
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { accountRoutes } from "./accounts.ts";
import { arenaAppRoutes } from "./arena.ts";
import { conversationRoutes } from "./conversations.ts";
import { evalAppRoutes } from "./evals.ts";
import { feedbackRoutes } from "./feedback.ts";
import { modelRoutes } from "./models.ts";
import { sessionHook } from "./session.ts";
import { shareRoutes } from "./shares.ts";

export function appRoutes(server: FastifyInstance, app: App): void {
  server.decorateRequest("appSession", null);
  server.register(async (s) => {
    s.addHook("onRequest", sessionHook(app.accounts));
    accountRoutes(s, app);
    conversationRoutes(s, app);
    feedbackRoutes(s, app);
    modelRoutes(s, app);
    shareRoutes(s, app);
    arenaAppRoutes(s, app);
    evalAppRoutes(s, app);
  }, { prefix: "/app/api" });
}
