/**
 * The arena's routes, shared by the web app (/app/api/arena, cookie sessions) and the API
 * (/v1/arena, API keys): only who the voter is differs. `config.scope` applies on /v1 only.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { CATEGORIES } from "../../arena/category.ts";
import { arenaOf, type Voter } from "../../arena/index.ts";
import { CHOICES } from "../../arena/present.ts";
import { FreeholdError, invalid } from "../../errors.ts";
import { parseBody } from "../validate.ts";
import { streamTurn } from "./stream.ts";

const prompt = z.string().min(1).max(100_000).refine((p) => p.trim().length > 0, "prompt is empty")
  .refine((p) => !p.includes("\u0000"), "prompt must not contain NUL characters");
const Start = z.object({
  prompt,
  pool: z.object({ kind: z.enum(["local", "upstream"]).optional(), models: z.array(z.string().min(1)).max(200).optional() }).strict().optional(),
}).strict();
const FollowUp = z.object({ prompt }).strict();
const Vote = z.object({ winner: z.enum(CHOICES) }).strict();
const Category = z.object({ category: z.enum(CATEGORIES) }).strict();
const Import = z.object({ jsonl: z.string() }).strict();

type Id = { Params: { id: string } };
type BoardQuery = { Querystring: { styleControl?: string; category?: string; from?: string; to?: string; rounds?: string } };
const USER = { scope: "inference" } as const;
const ADMIN = { scope: "admin" } as const;

export function arenaRouteSet(s: FastifyInstance, app: App, voterOf: (req: FastifyRequest) => Voter): void {
  const arena = arenaOf(app); // JSONL bodies (FastChat logs) are parsed as declared in src/api/routeSets.ts

  s.get<{ Querystring: { kind?: string } }>("/arena/models", { config: USER }, async (req) => {
    const kind = req.query.kind === "local" || req.query.kind === "upstream" ? req.query.kind : undefined;
    return { models: (await arena.candidates({ kind })).map((m) => ({ name: m.name, kind: m.kind })) };
  });

  s.post("/arena/battles", { config: USER }, async (req, reply) => {
    const voter = voterOf(req);
    const b = parseBody(Start, req.body);
    await streamTurn(reply, (events, signal) => arena.start(voter, b, events, signal));
  });

  s.get<{ Querystring: { all?: string; limit?: string } }>("/arena/battles", { config: USER }, async (req) => {
    const limit = Math.min(500, Math.max(1, Number(req.query.limit) || 50));
    return { battles: await arena.list(voterOf(req), { all: flag(req.query.all), limit }) };
  });

  s.get<Id>("/arena/battles/:id", { config: USER }, async (req) => ({ battle: await arena.get(voterOf(req), req.params.id) }));

  s.post<Id>("/arena/battles/:id/turns", { config: USER }, async (req, reply) => {
    const voter = voterOf(req);
    const b = parseBody(FollowUp, req.body);
    await streamTurn(reply, (events, signal) => arena.followUp(voter, req.params.id, b.prompt, events, signal));
  });

  s.post<Id>("/arena/battles/:id/vote", { config: USER }, async (req) => {
    const b = parseBody(Vote, req.body);
    return { battle: await arena.vote(voterOf(req), req.params.id, b.winner) };
  });

  s.put<Id>("/arena/battles/:id/category", { config: ADMIN }, async (req) => {
    const b = parseBody(Category, req.body);
    return { battle: await arena.setCategory(voterOf(req), req.params.id, b.category) };
  });

  s.get<BoardQuery>("/arena/leaderboard", { config: USER }, async (req) => {
    const q = req.query;
    const rounds = q.rounds === undefined ? undefined : Math.min(1000, Math.max(1, Number(q.rounds) || 200));
    return arena.leaderboard({ styleControl: flag(q.styleControl), category: q.category || undefined, ...range(q.from, q.to), rounds });
  });

  s.get<BoardQuery>("/arena/export", { config: ADMIN }, async (req, reply) => {
    adminOnly(voterOf(req));
    const lines = await arena.exportLines({ category: req.query.category || undefined, ...range(req.query.from, req.query.to) });
    reply.header("content-type", "application/x-ndjson; charset=utf-8");
    reply.header("content-disposition", 'attachment; filename="arena-battles.jsonl"');
    return reply.send(lines.length ? `${lines.join("\n")}\n` : "");
  });

  s.post("/arena/import", { config: ADMIN }, async (req, reply) => {
    adminOnly(voterOf(req));
    const text = typeof req.body === "string" ? req.body : parseBody(Import, req.body).jsonl;
    return reply.status(201).send(await arena.importFastChat(text));
  });
}

const flag = (v: string | undefined) => v === "true" || v === "1" || v === "";

function adminOnly(v: Voter): void {
  if (!v.admin) throw new FreeholdError("forbidden", "admins only");
}

/** [from, to) from ISO dates or datetimes; a bare date as `to` includes that whole day. */
function range(from?: string, to?: string): { from?: Date; to?: Date } {
  const parse = (s: string | undefined, name: string, endOfDay: boolean) => {
    if (!s) return undefined;
    const d = new Date(s);
    if (Number.isNaN(d.getTime())) throw invalid(`${name} must be an ISO date such as 2025-01-31`, name);
    if (endOfDay && /^\d{4}-\d{2}-\d{2}$/.test(s)) d.setUTCDate(d.getUTCDate() + 1);
    return d;
  };
  return { from: parse(from, "from", false), to: parse(to, "to", true) };
}
