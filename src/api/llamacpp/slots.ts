import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { FreeholdError, invalid } from "../../errors.ts";
import { backendOf, localModel } from "./shared.ts";

/**
 * GET /slots (`?model=`): llama.cpp's server's slot monitor, one entry per sequence of the model's
 * context (its parallel requests): `id`, `n_ctx`, `speculative` (a draft model in its preset) and
 * `is_processing`. `?fail_on_no_slot=1` answers 503 when every sequence is busy, as load
 * balancers use it. llama-server also shows each slot's prompt and generated text; here one
 * server serves many callers, so what others asked is never shown. A model not loaded has all
 * its sequences free (it is not loaded for this). Saving and restoring slots (POST) is refused:
 * Freehold keeps a caller's prompt by itself (prompt caching).
 */
export function slotRoutes(server: FastifyInstance, app: App) {
  server.get("/slots", { config: { scope: "inference" } }, async (req) => {
    const q = req.query as Record<string, unknown>;
    if (q.model !== undefined && typeof q.model !== "string") throw invalid("model: must be one model name", "model");
    const model = await localModel(app, q.model as string | undefined, { route: "/slots", preferLoaded: true });
    const nCtx = await (await backendOf(app, model)).contextSize();
    const ref = { name: model.name, path: model.record.path };
    const inUse = app.runtime.sequencesInUse(ref) ?? new Array((await app.runtime.predictMemory(ref.path, { contextSize: nCtx })).sequences).fill(false);
    if (q.fail_on_no_slot !== undefined && q.fail_on_no_slot !== "" && inUse.every(Boolean)) throw new FreeholdError("unavailable", "no slot available");
    const speculative = model.record.preset?.parameters?.draft_model !== undefined;
    return inUse.map((busy, id) => ({ id, n_ctx: nCtx, speculative, is_processing: busy }));
  });
  server.post("/slots/:id", { config: { scope: "inference" } }, async () => {
    throw invalid("saving, restoring and erasing slots is not supported: Freehold keeps each caller's prompt cache by itself", "action");
  });
}
