import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import type { ModelRecord } from "../../store/repos/models.ts";
import { localModel } from "./shared.ts";

/**
 * llama-server's LoRA adapters, for the model's own: the adapters a model applies (its
 * Modelfile's ADAPTER lines) are llama-server's `--lora` list, numbered in that order.
 *
 * - `GET /lora-adapters` (`?model=`) lists them as llama-server does, `path` being the name the
 *   adapter was added as (never where its file is), at scale 1.
 * - A request's `lora` (`[{id, scale}]`, /completion and /infill) sets each adapter's scale for
 *   that request, adapters not listed at 0, as llama-server reads it (`[{id: 0, scale: 0}]` asks the
 *   base weights); an empty list, as in llama-server, leaves the model's own.
 *   As in llama-server, requests with different scales share the context but not a decode
 *   (runtime/batching.ts).
 * - `POST /lora-adapters` (llama-server's global scales, for every later request) is refused:
 *   one server here serves many models and clients; a request's `lora` does the same for itself.
 */
export function loraRoutes(server: FastifyInstance, app: App) {
  server.get("/lora-adapters", { config: { scope: "inference" } }, async (req) => {
    const name = (req.query as Record<string, unknown>).model;
    if (name !== undefined && typeof name !== "string") throw invalid("model: must be one model name", "model");
    const model = await localModel(app, name, { route: "/lora-adapters", preferLoaded: true });
    return (model.record.preset?.adapters ?? []).map((a, id) => ({ id, path: a.name, scale: 1, task_name: "", prompt_prefix: "" }));
  });
  server.post("/lora-adapters", { config: { scope: "inference" } }, async () => {
    throw invalid("global LoRA scales are not set here: send `lora` ([{id, scale}]) with each request instead", "lora");
  });
}

/** A request's `lora` field, as llama-server takes it. */
export const loraField = z.array(z.object({ id: z.int(), scale: z.number().min(-100).max(100) })).optional();

/** The runtime's adapters for a request's `lora` on `model` (undefined: the model's own). Refuses ids the model does not have, naming them. */
export function requestLora(app: App, model: ModelRecord, lora: z.infer<typeof loraField>): { path: string; scale: number }[] | undefined {
  if (lora === undefined || lora.length === 0) return undefined; // llama-server: no entries, the defaults
  const adapters = model.preset?.adapters ?? [];
  const scales = new Map<number, number>();
  for (const { id, scale } of lora) {
    if (!adapters[id]) {
      throw invalid(`lora: no adapter ${id}: ${adapters.length ? `this model's are 0-${adapters.length - 1} (GET /lora-adapters)` : "this model applies none"}`, "lora");
    }
    scales.set(id, scale);
  }
  return adapters.flatMap((a, id) => (scales.get(id) ? [{ path: app.models.adapterPath(a.sha256), scale: scales.get(id)! }] : []));
}
