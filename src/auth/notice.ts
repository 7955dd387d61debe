/** What `freehold serve` tells the operator about auth at start. */
import type { App } from "../app.ts";
import { trustProxySetting } from "../config.ts";
import { authDecision } from "./decision.ts";

export async function authNotice(app: App, host: string): Promise<string[]> {
  const d = authDecision(host, app.config.server);
  if (!d.required) {
    // Proxied requests to an open server are refused unless trustProxy says a proxy is meant (src/api/origin.ts).
    const proxied = trustProxySetting(app.config.server) ?
      ["WARNING: server.trustProxy is set but API keys are not required: everyone the proxy serves acts as the local user (set server.requireAuth)"] : [];
    return [...(d.warning ? [d.warning] : []), ...proxied];
  }
  if ((await app.auth.countUsable()) > 0) return [`API keys required on /v1, /api and /metrics (listening on ${host})`];
  const home = JSON.stringify(app.paths.home);
  return [
    `API keys are required (listening on ${host}${app.config.server?.requireAuth ? ", server.requireAuth" : ""}) and none exist yet: every request to /v1 and /api will get 401.`,
    `Create one with:  freehold --home ${home} keys create --name <name>`,
    "(with the embedded database, stop the server first: one process can open it at a time)",
  ];
}
