import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openApp, type App } from "../../src/app.ts";
import { startScriptedUpstream, type Script, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";

/** An app in a fresh home with a scripted upstream registered as model "m". */
export async function scriptedApp(script?: Script): Promise<{ app: App; up: ScriptedUpstream; close(): Promise<void> }> {
  const home = mkdtempSync(join(tmpdir(), "fh-evals-"));
  const app = await openApp({ home, runtime: { threads: 1 } });
  const up = await startScriptedUpstream(script);
  await app.upstreams.add({ name: "m", baseUrl: up.url });
  return {
    app, up,
    async close() { await up.close(); await app.close(); rmSync(home, { recursive: true, force: true }); },
  };
}

/** The text of the last user message of a chat request. */
export const lastUser = (body: any): string =>
  [...(body?.messages ?? [])].reverse().find((m: any) => m.role === "user")?.content ?? "";

export const chats = (up: ScriptedUpstream) => up.requests.filter((r) => r.path === "/v1/chat/completions");
