import { join } from "node:path";
import type { App } from "../app.ts";
import { makeModel } from "./gguf/makeModel.ts";

export const DEMO_MODEL = "demo-random-tiny";

/**
 * On a first start with no models, generate a tiny random-weights model so every route and
 * screen works offline. Its name and description say it produces noise.
 */
export async function ensureDemoModel(app: App): Promise<string | undefined> {
  if ((await app.models.list()).length) return undefined;
  const path = join(app.paths.downloads, `${DEMO_MODEL}.gguf`);
  await makeModel({ path, shape: "tiny", seed: 1, name: DEMO_MODEL });
  await app.models.register(path, {
    name: DEMO_MODEL, source: "generated", sourceRef: "first start", adopt: true,
    description: "Demo model with random weights: it produces noise, not answers. Pull a real model for actual use.",
  });
  return DEMO_MODEL;
}
