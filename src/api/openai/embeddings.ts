import { addUsage } from "../../auth/hook.ts";
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import { parseWire } from "./parse.ts";
import { base64Floats } from "./present.ts";
import { embeddingRequest } from "./schemas.ts";
import { embeddingPlan } from "./translate.ts";

/**
 * Embeddings. `dimensions` must equal the model's own: truncating is only meaningful for models
 * trained for it (Matryoshka), which a GGUF does not tell us, so a mismatch is a 400, not a
 * silently different vector.
 */
export function embeddingRoutes(server: FastifyInstance, app: App) {
  server.post("/v1/embeddings", async (req) => {
    const plan = embeddingPlan(parseWire(embeddingRequest, req.body));
    const backend = await app.gateway.resolve(plan.model);
    const r = await backend.embed(plan.inputs);
    addUsage(req, r.promptTokens);
    const size = r.embeddings[0]?.length ?? 0;
    if (plan.dimensions !== undefined && plan.dimensions !== size) {
      throw invalid(`dimensions is ${plan.dimensions}, but ${plan.model} produces ${size}-dimensional embeddings`, "dimensions");
    }
    return {
      object: "list",
      data: r.embeddings.map((v, index) => ({ object: "embedding", index, embedding: plan.base64 ? base64Floats(v) : v })),
      model: plan.model,
      usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
    };
  });
}
