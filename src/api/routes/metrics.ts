import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";

/** Prometheus scrape endpoint; runtime gauges are read from the runtime at this moment. */
export function metricsRoute(server: FastifyInstance, app: App) {
  app.metrics.enableProcessMetrics();
  server.get("/metrics", async (_req, reply) => {
    const body = await app.metrics.registry.metrics();
    return reply.type(app.metrics.registry.contentType).send(body);
  });
}
