/**
 * /v1/keys and /v1/upstreams: API keys and upstream engines over HTTP, for an admin key or the
 * CLI of the machine the server runs on (src/cli/remoteAdmin.ts), so neither needs the server
 * stopped to reach the embedded database. Admin scope (routes not listed in src/auth/scopes.ts).
 * Thin: validation here, the rest in src/auth/service.ts and src/gateway/upstreams.ts.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { SCOPES } from "../../auth/types.ts";
import { parseBody } from "../validate.ts";

const positiveInt = z.number().int().positive();
export const NewKey = z.object({
  name: z.string().trim().min(1).max(200),
  scopes: z.array(z.enum(SCOPES)).min(1).max(SCOPES.length).optional(),
  ratePerMinute: positiveInt.optional(),
  tokenQuota: positiveInt.optional(),
  expiresInDays: z.number().positive().max(36_500).optional(),
}).strict();

export const NewUpstream = z.object({
  name: z.string().min(1).max(200),
  baseUrl: z.string().min(1).max(2048),
  apiKey: z.string().min(1).max(8192).optional(),
  apiKeyEnv: z.string().min(1).max(200).optional(),
  remoteModel: z.string().min(1).max(500).optional(),
}).strict();

export function adminRouteSet(s: FastifyInstance, app: App): void {
  s.get("/keys", async () => ({ keys: await app.auth.list() }));

  /** The secret is in this answer only: it is stored hashed. */
  s.post("/keys", async (req, reply) => reply.status(201).send(await app.auth.create(parseBody(NewKey, req.body))));

  s.delete<{ Params: { id: string } }>("/keys/:id", async (req) => ({ key: await app.auth.revoke(req.params.id) }));

  s.get("/upstreams", async () => ({ upstreams: await app.upstreams.list() }));

  /** The key, when given, is stored encrypted and never returned: the answer says how it is held. */
  s.post("/upstreams", async (req, reply) => reply.status(201).send({ upstream: await app.upstreams.add(parseBody(NewUpstream, req.body)) }));

  /** A wildcard: upstream names may hold slashes ("org/model"). */
  s.delete<{ Params: { "*": string } }>("/upstreams/*", async (req) => {
    await app.upstreams.remove(req.params["*"]);
    return { deleted: req.params["*"] };
  });
}
