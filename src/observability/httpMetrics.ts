import type { FastifyReply, FastifyRequest } from "fastify";
import type { Metrics } from "./metrics.ts";

/**
 * For the server's onRequest hook (src/api/server.ts): counts every request by route pattern and
 * status, times it to the end of the response, and logs it in one line (an access log: Fastify's
 * own request logging, a line when a request arrives and another when it ends, is off; at a
 * proxied stream's pace the second line cost ~5% of the server's CPU).
 * Measured on the response's "close", which also fires for streams the route took over
 * (hijacked SSE) and for clients that went away: those count as 499, nginx's "client closed".
 */
export function requestTimer(metrics: Metrics): (req: FastifyRequest, reply: FastifyReply) => void {
  return (req, reply) => {
    const start = performance.now();
    reply.raw.once("close", () => {
      const route = req.routeOptions.url ?? "unmatched";
      const status = reply.raw.writableFinished ? String(reply.raw.statusCode) : "499";
      metrics.httpRequests.inc({ method: req.method, route, status });
      const ms = performance.now() - start;
      metrics.httpDuration.observe({ method: req.method, route }, ms / 1000);
      req.log.info({ req, res: { statusCode: Number(status) }, responseTime: ms }, "request completed");
    });
  };
}
