import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { detailsOf, rfc3339 } from "./details.ts";
import { FOREVER } from "./keepAlive.ts";
import { listedName } from "./resolve.ts";

/** GET /api/ps: the models in memory now (loading ones are not listed yet, as in Ollama). */
export function psRoute(server: FastifyInstance, app: App) {
  server.get("/api/ps", async () => {
    const loaded = app.runtime.ps().filter((s) => !s.loading);
    const records = new Map((await app.models.list()).map((m) => [m.name, m]));
    return {
      models: loaded.map((s) => {
        const m = records.get(s.name);
        return {
          name: listedName(s.name),
          model: listedName(s.name),
          size: s.actualBytes || s.predictedBytes,
          digest: m?.sha256 ?? "",
          details: m ? detailsOf(m) : detailsOf({ architecture: null, parameterCount: null, quantization: null }),
          // The runtime has no expiry while a request holds the model or when it is kept forever.
          expires_at: rfc3339(s.expiresAt ?? FOREVER),
          size_vram: 0,
          context_length: s.contextSize,
        };
      }),
    };
  });
}
