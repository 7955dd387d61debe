import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { notFound } from "../../errors.ts";
import { modelObject } from "./present.ts";

export function modelRoutes(server: FastifyInstance, app: App) {
  server.get("/v1/models", async () => ({ object: "list", data: (await app.gateway.list()).map(modelObject) }));

  // A wildcard, because names may contain "/" (org/model) and ":" (model:tag).
  server.get("/v1/models/*", async (req) => {
    const name = (req.params as { "*": string })["*"];
    const m = (await app.gateway.list()).find((x) => x.name === name);
    if (!m) throw notFound(`model "${name}" not found: see GET /v1/models`, "model");
    return modelObject(m);
  });
}
