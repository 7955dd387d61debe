import { join } from "node:path";
import type { App } from "../app.ts";
import { FreeholdError } from "../errors.ts";
import { SettingsRepo } from "../store/repos/settings.ts";
import { runNode } from "../workers/spawn.ts";
import type { ModelFacts } from "./inspect.ts";

export const DEMO_MODEL = "demo-random-tiny";
/** Set once the first start has made (or, models being there already, skipped) the demo model. */
const DEMO_OFFERED = "models.demo_offered";

/**
 * On the first start of a data folder with no models, generate a tiny random-weights model so
 * every route and screen works offline. Its name and description say it produces noise. That it
 * was offered is recorded, so a user who deletes it does not get it back at the next start. It
 * is made and inspected in a child process (src/models/demoChild.ts), whose memory goes when it
 * exits.
 */
export async function ensureDemoModel(app: App): Promise<string | undefined> {
  const settings = new SettingsRepo(app.db);
  if (await settings.get(DEMO_OFFERED)) return undefined;
  const created = (await app.models.list()).length ? undefined : await createDemoModel(app);
  await settings.set(DEMO_OFFERED, true);
  return created;
}

async function createDemoModel(app: App): Promise<string> {
  const path = join(app.paths.downloads, `${DEMO_MODEL}.gguf`);
  let facts: ModelFacts;
  try {
    facts = JSON.parse(await runNode(new URL("./demoChild.ts", import.meta.url), [path, DEMO_MODEL]));
  } catch (e) {
    throw new FreeholdError("internal", `could not generate the demo model: ${(e as Error).message}`);
  }
  await app.models.register(path, {
    name: DEMO_MODEL, source: "generated", sourceRef: "first start", adopt: true, facts,
    description: "Demo model with random weights: it produces noise, not answers. Pull a real model for actual use.",
  });
  return DEMO_MODEL;
}
