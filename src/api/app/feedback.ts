/** Feedback on answers (owner-checked), and the admin's list and JSONL export. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { FEEDBACK_KINDS, REASONS } from "../../chat/feedback.ts";
import { parseBody } from "../validate.ts";
import { adminOf, userOf } from "./session.ts";

const Feedback = z.object({
  kind: z.enum(FEEDBACK_KINDS), reasons: z.array(z.enum(REASONS)).max(REASONS.length).optional(),
  comment: z.string().max(5000).nullish(),
});
type Filters = { Querystring: { kind?: string; model?: string; user?: string } };

export function feedbackRoutes(s: FastifyInstance, app: App): void {
  s.post<{ Params: { id: string } }>("/messages/:id/feedback", async (req, reply) => {
    const user = userOf(req);
    const b = parseBody(Feedback, req.body);
    const m = await app.chat.message(user.id, req.params.id);
    const event = await app.feedback.record({
      userId: user.id, messageId: m.id, model: m.model, params: m.params, kind: b.kind,
      reasons: [...new Set(b.reasons ?? [])], comment: b.comment,
    });
    return reply.status(201).send({ feedback: event });
  });

  s.get<Filters>("/feedback", async (req) => {
    adminOf(req);
    return { feedback: await app.feedback.list(req.query) };
  });

  s.get<Filters>("/feedback/export", async (req, reply) => {
    adminOf(req);
    const events = await app.feedback.list({ ...req.query, limit: 100_000 });
    reply.header("content-type", "application/x-ndjson; charset=utf-8");
    reply.header("content-disposition", 'attachment; filename="feedback.jsonl"');
    return reply.send(events.map((e) => JSON.stringify(e)).join("\n") + (events.length ? "\n" : ""));
  });
}
