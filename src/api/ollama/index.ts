import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { lazyRoutes } from "../lazyRoutes.ts";
import { ollamaGeneration } from "../routeSets.ts";
import { blobRoutes } from "./blobs.ts";
import { modelRoutes } from "./models.ts";
import { psRoute } from "./ps.ts";

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
    lazyRoutes(api, ollamaGeneration, app); // chat, generate, embed, create, pull
  });
  blobRoutes(server, app); // the body is a file, not JSON
}
