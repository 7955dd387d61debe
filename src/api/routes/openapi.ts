import type { FastifyInstance } from "fastify";
import { createRequire } from "node:module";
import { openApiDocument, type RouteInfo } from "../../observability/openapi.ts";

const VERSION: string = createRequire(import.meta.url)("../../../package.json").version;

/** GET /openapi.json, built once from the routes the server actually registered. */
export function openapiRoute(server: FastifyInstance, routes: RouteInfo[]) {
  let doc: Record<string, unknown> | undefined;
  server.get("/openapi.json", async () => (doc ??= openApiDocument(routes, VERSION)));
}
