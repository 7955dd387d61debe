/** The arena service for an open app: one per app, so every route set shares its in-flight state. */
import type { App } from "../app.ts";
import { ArenaService } from "./battles.ts";
import { arenaConfig } from "./config.ts";

const services = new WeakMap<App, ArenaService>();

export function arenaOf(app: App): ArenaService {
  let s = services.get(app);
  if (!s) {
    s = new ArenaService({
      db: app.db, gateway: app.gateway, models: app.models, upstreams: app.upstreams,
      config: arenaConfig(app.config), maxTokensCap: app.limits.maxTokensCap,
    });
    services.set(app, s);
  }
  return s;
}

export { ArenaService, type Pool, type Voter } from "./battles.ts";
