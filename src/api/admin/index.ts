/** /v1/keys and /v1/upstreams (see routes.ts; docs/auth.md). */
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { lazyRoutes } from "../lazyRoutes.ts";
import { admin } from "../routeSets.ts";

export function adminRoutes(server: FastifyInstance, app: App): void {
  server.register(async (s) => lazyRoutes(s, admin, app), { prefix: "/v1" });
}
