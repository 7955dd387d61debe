/** /v1/evals: eval suites and runs for API clients (see routes.ts; docs/api.md). */
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { evalService } from "../../evals/service.ts";
import { actorFromKey, evalRouteSet } from "./routes.ts";

export function evalRoutes(server: FastifyInstance, app: App): void {
  const evals = evalService(app);
  // Runs live in this process: a run a previous process left "running" is marked interrupted
  // (resumable), and closing the server stops the background runs before the app closes.
  server.addHook("onReady", async () => { await evals.recover(); });
  server.addHook("onClose", async () => { await evals.close(); });
  server.register(async (s) => evalRouteSet(s, app, actorFromKey), { prefix: "/v1" });
}
