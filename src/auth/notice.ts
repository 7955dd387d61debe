/** What `freehold serve` tells the operator about auth at start. */
import type { App } from "../app.ts";
import { authDecision } from "./decision.ts";

export async function authNotice(app: App, host: string): Promise<string[]> {
  const d = authDecision(host, app.config.server);
  if (d.warning) return [d.warning];
  if (!d.required) return [];
  if ((await app.auth.countUsable()) > 0) return [`API keys required on /v1, /api and /metrics (listening on ${host})`];
  const home = JSON.stringify(app.paths.home);
  return [
    `API keys are required (listening on ${host}${app.config.server?.requireAuth ? ", server.requireAuth" : ""}) and none exist yet: every request to /v1 and /api will get 401.`,
    `Create one with:  freehold --home ${home} keys create --name <name>`,
    "(with the embedded database, stop the server first: one process can open it at a time)",
  ];
}
