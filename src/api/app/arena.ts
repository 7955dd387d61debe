/** The arena for the web app under /app/api/arena: the voter is the signed-in user. */
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { lazyRoutes } from "../lazyRoutes.ts";
import { arena } from "../routeSets.ts";
import { userOf } from "./session.ts";

export function arenaAppRoutes(s: FastifyInstance, app: App): void {
  // Its own plugin: the JSONL body parser stays inside the arena's routes.
  s.register(async (a) => lazyRoutes(a, arena, app, (req) => {
    const u = userOf(req);
    return { id: `user:${u.id}`, admin: u.role === "admin" };
  }));
}
