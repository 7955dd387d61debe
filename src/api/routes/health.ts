import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";

export function healthRoutes(server: FastifyInstance, app: App) {
  /** Liveness: the process answers. */
  server.get("/health", async () => ({ status: "ok" }));

  /** Readiness: the store answers and the model registry can be read. */
  server.get("/ready", async (_req, reply) => {
    try {
      await app.db.query("select 1");
      const models = await app.models.list();
      return { status: "ready", models: models.length, loaded: app.runtime.ps().length };
    } catch (e) {
      return reply.status(503).send({ status: "unavailable", error: (e as Error).message });
    }
  });
}
