/** The discover feed: share, unshare (author only), list newest or most-liked, like toggle. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { parseBody } from "../validate.ts";
import { userOf } from "./session.ts";

const Share = z.union([z.object({ messageId: z.string() }).strict(), z.object({ conversationId: z.string() }).strict()]);

export function shareRoutes(s: FastifyInstance, app: App): void {
  s.post("/shares", async (req, reply) => reply.status(201).send({ share: await app.shares.share(userOf(req).id, parseBody(Share, req.body)) }));

  s.delete<{ Params: { id: string } }>("/shares/:id", async (req, reply) => {
    await app.shares.unshare(userOf(req).id, req.params.id);
    return reply.status(204).send();
  });

  s.get<{ Querystring: { sort?: string } }>("/feed", async (req) => ({
    items: await app.shares.feed(userOf(req).id, req.query.sort === "top" ? "top" : "new"),
  }));

  s.post<{ Params: { id: string } }>("/shares/:id/like", async (req) => app.shares.like(userOf(req).id, req.params.id));
}
