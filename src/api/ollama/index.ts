import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { chatRoute } from "./chat.ts";
import { createRoute } from "./create.ts";
import { embedRoutes } from "./embed.ts";
import { generateRoute } from "./generate.ts";
import { modelRoutes } from "./models.ts";
import { psRoute } from "./ps.ts";
import { pullRoute } from "./pull.ts";

/**
 * Ollama-compatible routes under /api (Ollama's docs/api.md), in their own encapsulated plugin:
 * like Ollama, they read the body as JSON whatever its content type, so `curl -d '{...}'`
 * (sent as form data) works as it does against Ollama.
 */
export function ollamaRoutes(server: FastifyInstance, app: App) {
  server.register(async (api) => {
    api.removeContentTypeParser("text/plain");
    api.addContentTypeParser("*", { parseAs: "string" }, api.getDefaultJsonParser("error", "error"));
    modelRoutes(api, app);
    psRoute(api, app);
    pullRoute(api, app);
    createRoute(api, app);
    chatRoute(api, app);
    generateRoute(api, app);
    embedRoutes(api, app);
  });
}
