import { addUsage } from "../../auth/hook.ts";
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import { parseBody } from "../validate.ts";
import { parseKeepAlive } from "./keepAlive.ts";
import { applyKeepAlive } from "./preload.ts";
import { resolveModel } from "./resolve.ts";
import { embeddingsSchema, embedSchema } from "./wire.ts";

/** POST /api/embed (batched, L2-normalised as Ollama does) and the legacy /api/embeddings. */
export function embedRoutes(server: FastifyInstance, app: App) {
  server.post("/api/embed", async (req) => {
    const started = process.hrtime.bigint();
    const body = parseBody(embedSchema, req.body);
    const keepAliveMs = parseKeepAlive(body.keep_alive);
    const inputs = typeof body.input === "string" ? [body.input] : body.input ?? [];
    const backend = await resolveModel(app, body.model);
    // Ollama cuts over-long inputs to fit unless told not to.
    const r = inputs.length ? await backend.embed(inputs, { truncate: body.truncate ?? true }) : { embeddings: [], promptTokens: 0 };
    addUsage(req, r.promptTokens);
    await applyKeepAlive(app, body.model, keepAliveMs);
    const embeddings = r.embeddings.map((v) => normalize(firstDimensions(v, body.dimensions)));
    return {
      model: body.model,
      embeddings,
      total_duration: Number(process.hrtime.bigint() - started),
      load_duration: 0,
      prompt_eval_count: r.promptTokens,
    };
  });

  server.post("/api/embeddings", async (req) => {
    const body = parseBody(embeddingsSchema, req.body);
    const keepAliveMs = parseKeepAlive(body.keep_alive);
    const backend = await resolveModel(app, body.model);
    const embedding = body.prompt ? (await backend.embed([body.prompt])).embeddings[0] : [];
    await applyKeepAlive(app, body.model, keepAliveMs);
    return { embedding };
  });
}

/** `dimensions`: keep the first n (Matryoshka-style), as Ollama does, before normalising. */
function firstDimensions(v: number[], dimensions: number | null | undefined): number[] {
  if (!dimensions) return v;
  if (dimensions > v.length) throw invalid(`dimensions: ${dimensions} is more than the model's ${v.length}`, "dimensions");
  return v.slice(0, dimensions);
}

function normalize(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm > 0 ? v.map((x) => x / norm) : v;
}
