/** The web app's evals routes under /app/api/evals: the session user is the owner; admins see all. */
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { lazyRoutes } from "../lazyRoutes.ts";
import { evals } from "../routeSets.ts";
import { userOf } from "./session.ts";

export function evalAppRoutes(s: FastifyInstance, app: App): void {
  // A plugin of its own, so the JSONL body parser stays within these routes.
  s.register(async (scope) => lazyRoutes(scope, evals, app, (req) => {
    const u = userOf(req);
    return { owner: `user:${u.id}`, admin: u.role === "admin" };
  }));
}
