import type { FastifyInstance } from "fastify";
import { createRequire } from "node:module";
import { lazy } from "../../lazy.ts";
import { openApiDocument, routeKeys, type RouteInfo } from "../../observability/openapi.ts";
import type { BodySchemas } from "../../observability/openapiSchemas.ts";
import { runNode } from "../../workers/spawn.ts";

const VERSION: string = createRequire(import.meta.url)("../../../package.json").version;

/** GET /openapi.json, built on first request from the routes the server registered, kept as its text. */
export function openapiRoute(server: FastifyInstance, routes: RouteInfo[]) {
  const doc = lazy(async () => JSON.stringify(openApiDocument(routes, VERSION, await bodySchemasApart(routeKeys(routes)))));
  server.get("/openapi.json", async (_req, reply) => reply.type("application/json; charset=utf-8").send(await doc()));
}

/** The body schemas come from zod, loaded in a child process only for this (src/observability/openapiBodies.ts). */
async function bodySchemasApart(keys: string[]): Promise<BodySchemas> {
  return JSON.parse(await runNode(new URL("../../observability/openapiBodies.ts", import.meta.url), [JSON.stringify(keys)]));
}
