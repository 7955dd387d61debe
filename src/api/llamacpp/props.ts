import { createRequire } from "node:module";
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import { effectiveSettings, generationSettings } from "./settings.ts";
import { backendOf, localModel } from "./shared.ts";

const VERSION: string = createRequire(import.meta.url)("../../../package.json").version;

/**
 * GET /props: llama.cpp's server's description of what it serves, which its clients read on
 * connecting (the context size above all), for the named model (`?model=`) or the one the other
 * routes would use. Only what Freehold can state truthfully, without loading the model: its
 * context and default sampling (its preset's included), how many requests it runs at once, its
 * chat template, no vision or audio. `model_path` is the model's name, never where its file is.
 */
export function propsRoute(server: FastifyInstance, app: App) {
  server.get("/props", { config: { scope: "inference" } }, async (req) => {
    const name = (req.query as Record<string, unknown>).model; // other parameters are ignored, as llama-server ignores them
    if (name !== undefined && typeof name !== "string") throw invalid("model: must be one model name", "model");
    const model = await localModel(app, name, { route: "/props", preferLoaded: true });
    const backend = await backendOf(app, model);
    const nCtx = await backend.contextSize();
    const running = app.runtime.ps().find((s) => s.path === model.record.path && s.contextSize === nCtx && !s.loading);
    const slots = running?.sequences ?? (await app.runtime.predictMemory(model.record.path, { contextSize: nCtx })).sequences;
    return {
      default_generation_settings: { params: generationSettings(effectiveSettings(model.record.preset), false), n_ctx: nCtx },
      total_slots: slots,
      model_alias: model.name,
      model_path: model.name,
      modalities: { vision: false, video: false, audio: false },
      chat_template: model.record.chatTemplate ?? "",
      build_info: `freehold ${VERSION}`,
    };
  });
}
