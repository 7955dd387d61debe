/**
 * The arena under /v1/arena for API clients. The voter is the API key (its id), or
 * "anonymous" on an open server, where everyone shares one identity and is an admin, as on
 * every other /v1 route there. Errors take OpenAI's shape (api/errors.ts, by the /v1 prefix).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { App } from "../../app.ts";
import type { Voter } from "../../arena/index.ts";
import { lazyRoutes } from "../lazyRoutes.ts";
import { arena } from "../routeSets.ts";

export function keyVoter(req: FastifyRequest): Voter {
  const key = req.freeholdKey;
  if (!key) return { id: "anonymous", admin: true };
  return { id: `key:${key.id}`, admin: key.scopes.includes("admin") };
}

export function arenaApiRoutes(server: FastifyInstance, app: App): void {
  server.register(async (s) => lazyRoutes(s, arena, app, keyVoter), { prefix: "/v1" });
}
