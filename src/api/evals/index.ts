/** /v1/evals: eval suites and runs for API clients (see routes.ts; docs/api.md). */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../../app.ts";
import { interruptStaleRuns, services } from "../../evals/live.ts";
import type { Actor } from "../../evals/service.ts";
import { lazyRoutes } from "../lazyRoutes.ts";
import { evals } from "../routeSets.ts";

export function evalRoutes(server: FastifyInstance, app: App): void {
  // Runs live in this process: a run a previous process left "running" is marked interrupted
  // (resumable), and closing the server stops the background runs before the app closes.
  server.addHook("onReady", async () => { await interruptStaleRuns(app.db); });
  server.addHook("onClose", async () => { await services.get(app)?.close(); });
  server.register(async (s) => lazyRoutes(s, evals, app, actorFromKey), { prefix: "/v1" });
}

/** For /v1: the key's own runs and suites; an admin key, or an open (loopback) server, sees all. */
export function actorFromKey(req: FastifyRequest): Actor {
  const key = req.freeholdKey;
  if (!key) return { owner: "local", admin: true };
  return { owner: `key:${key.id}`, admin: key.scopes.includes("admin") };
}
