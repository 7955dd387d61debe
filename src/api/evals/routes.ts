/**
 * The evals routes, shared by the API (/v1/evals, API keys) and the web app (/app/api/evals,
 * cookie sessions): only who the caller is differs. `config.scope` applies on /v1 only.
 * Thin: validation here, everything else in src/evals/service.ts.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { BUILD_SCORERS } from "../../evals/buildScorers.ts";
import { evalService, type Actor } from "../../evals/service.ts";
import { parseBody } from "../validate.ts";

const name = z.string().trim().min(1).max(200);
const ImportJson = z.object({ name: name.optional(), jsonl: z.string() }).strict();
const Build = z.object({
  from: z.enum(["feedback", "feed"]), rating: z.enum(["up", "down"]).optional(), tags: z.array(z.string().min(1)).max(20).optional(),
  model: z.string().min(1).optional(), minLikes: z.number().int().min(0).optional(), scorer: z.enum(BUILD_SCORERS).optional(),
  limit: z.number().int().min(1).max(10_000).optional(), name: name.optional(),
}).strict();
const Start = z.object({
  suite: z.string().min(1), models: z.array(z.string().min(1)).min(1).max(16),
  concurrency: z.number().int().min(1).max(16).optional(), judge: z.string().min(1).optional(),
  maxTokens: z.number().int().min(1).max(32_768).optional(),
}).strict();

type Id = { Params: { id: string } };
type ResultsQuery = Id & { Querystring: { model?: string; case?: string; limit?: string; offset?: string } };
const USER = { scope: "inference" } as const;

const int = (v: string | undefined) => (v === undefined || !/^\d+$/.test(v) ? undefined : Number(v));

export function evalRouteSet(s: FastifyInstance, app: App, actorOf: (req: FastifyRequest) => Actor): void {
  const evals = evalService(app); // JSONL bodies (suites) are parsed as declared in src/api/routeSets.ts

  s.get("/evals/suites", { config: USER }, async (req) => ({ suites: await evals.listSuites(actorOf(req)) }));

  s.post<{ Querystring: { name?: string } }>("/evals/suites", { config: USER }, async (req, reply) => {
    const actor = actorOf(req);
    const b = typeof req.body === "string" ? { jsonl: req.body, name: req.query.name } : parseBody(ImportJson, req.body);
    if (b.name !== undefined) name.parse(b.name);
    return reply.status(201).send({ suite: await evals.importSuite(actor, b.jsonl, b.name) });
  });

  s.post("/evals/suites/build", { config: USER }, async (req, reply) =>
    reply.status(201).send(await evals.buildSuite(actorOf(req), parseBody(Build, req.body))));

  s.get<Id>("/evals/suites/:id", { config: USER }, async (req) => {
    const { suite, ...listing } = await evals.suite(actorOf(req), req.params.id);
    return { suite: { ...listing, cases: suite.cases } };
  });

  /** The suite as a leaderboard column: per model mean score with a 95% CI (newest complete run). */
  s.get<Id>("/evals/suites/:id/leaderboard", { config: USER }, async (req) => ({ column: await evals.leaderboard(actorOf(req), req.params.id) }));

  s.post("/evals/runs", { config: USER }, async (req, reply) => {
    const b = parseBody(Start, req.body);
    return reply.status(202).send({ run: await evals.start(actorOf(req), { ...b, suiteId: b.suite }) });
  });

  s.get<{ Querystring: { suite?: string } }>("/evals/runs", { config: USER }, async (req) => ({ runs: await evals.runs(actorOf(req), { suiteId: req.query.suite }) }));

  s.get<Id>("/evals/runs/:id", { config: USER }, async (req) => evals.run(actorOf(req), req.params.id));

  s.get<ResultsQuery>("/evals/runs/:id/results", { config: USER }, async (req) => ({
    results: await evals.results(actorOf(req), req.params.id, {
      model: req.query.model, caseId: req.query.case, limit: int(req.query.limit), offset: int(req.query.offset),
    }),
  }));

  s.post<Id>("/evals/runs/:id/cancel", { config: USER }, async (req) => ({ run: await evals.cancel(actorOf(req), req.params.id) }));

  s.post<Id>("/evals/runs/:id/resume", { config: USER }, async (req, reply) => reply.status(202).send({ run: await evals.resume(actorOf(req), req.params.id) }));
}
