/** Conversations: list/search, create, read (active branch + alternatives), rename, delete, send, regenerate, export. */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { parseBody } from "../validate.ts";
import { userOf } from "./session.ts";
import { streamAnswer } from "./sse.ts";

const params = z.object({
  temperature: z.number().min(0).max(2).optional(), maxTokens: z.number().int().min(1).max(32_768).optional(),
  topP: z.number().min(0).max(1).optional(), seed: z.number().int().optional(),
  draftModel: z.string().min(1).max(256).optional(),
}).strict();
const Create = z.object({ title: z.string().trim().min(1).max(200).optional(), model: z.string().min(1), systemPrompt: z.string().max(20_000).nullish(), params: params.optional() });
const Patch = z.object({ title: z.string().trim().min(1).max(200).optional(), model: z.string().min(1).optional(), systemPrompt: z.string().max(20_000).nullish(), params: params.optional() });
const Send = z.object({ content: z.string().min(1).max(200_000), parentId: z.string().nullable().optional(), model: z.string().min(1).optional(), params: params.optional() });
const Regen = z.object({ model: z.string().min(1).optional(), params: params.optional() });
type Id = { Params: { id: string } };

export function conversationRoutes(s: FastifyInstance, app: App): void {
  const chat = app.chat;

  s.get<{ Querystring: { q?: string } }>("/conversations", async (req) => ({
    conversations: await chat.repo.list(userOf(req).id, req.query.q?.slice(0, 200)),
  }));

  s.post("/conversations", async (req, reply) => {
    const b = parseBody(Create, req.body);
    await app.gateway.resolve(b.model); // unknown model: 404 now rather than at the first message
    const c = await chat.repo.create({ ownerId: userOf(req).id, title: b.title ?? "New chat", model: b.model, systemPrompt: b.systemPrompt, params: b.params });
    return reply.status(201).send({ conversation: c });
  });

  s.get<Id>("/conversations/:id", async (req) => ({ conversation: await chat.view(userOf(req).id, req.params.id) }));

  s.patch<Id>("/conversations/:id", async (req) => {
    const uid = userOf(req).id;
    await chat.conversation(uid, req.params.id);
    return { conversation: await chat.repo.update(uid, req.params.id, parseBody(Patch, req.body)) };
  });

  s.delete<Id>("/conversations/:id", async (req, reply) => {
    await chat.conversation(userOf(req).id, req.params.id);
    await chat.repo.remove(userOf(req).id, req.params.id);
    return reply.status(204).send();
  });

  s.post<Id>("/conversations/:id/messages", async (req, reply) => {
    const uid = userOf(req).id;
    const b = parseBody(Send, req.body);
    await chat.conversation(uid, req.params.id); // 404 as JSON, before the stream starts
    await streamAnswer(reply, (sse) => chat.send(uid, req.params.id, b, { onDelta: (d) => sse.send(d), signal: sse.abort.signal }),
      (r) => ({ userMessage: r.user, message: r.assistant }));
  });

  s.post<Id>("/messages/:id/regenerate", async (req, reply) => {
    const uid = userOf(req).id;
    const b = parseBody(Regen, req.body ?? {});
    await chat.message(uid, req.params.id);
    await streamAnswer(reply, (sse) => chat.regenerate(uid, req.params.id, b, { onDelta: (d) => sse.send(d), signal: sse.abort.signal }),
      (m) => ({ message: m }));
  });

  /** Switches the active branch to this message (moving between alternatives). */
  s.post<Id>("/messages/:id/select", async (req) => ({ conversation: await chat.switchTo(userOf(req).id, req.params.id) }));

  s.get<Id & { Querystring: { format?: string } }>("/conversations/:id/export", async (req, reply) => {
    const format = req.query.format === "json" ? "json" : "md";
    const body = await chat.export(userOf(req).id, req.params.id, format);
    reply.header("content-type", format === "json" ? "application/json; charset=utf-8" : "text/markdown; charset=utf-8");
    reply.header("content-disposition", `attachment; filename="conversation.${format}"`);
    return reply.send(body);
  });
}
