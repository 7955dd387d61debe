/** The models a signed-in user can pick (local and upstream), for the web app's model menus. */
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";

export function modelRoutes(s: FastifyInstance, app: App): void {
  s.get("/models", async () => ({ models: await app.gateway.list() }));
}
