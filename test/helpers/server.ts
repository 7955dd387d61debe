import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { openApp, type App, type AppOptions } from "../../src/app.ts";
import { buildServer, type ServerOptions } from "../../src/api/server.ts";
import type { FreeholdConfig } from "../../src/config.ts";
import { testModel } from "./models.ts";

export interface TestServer {
  app: App;
  server: FastifyInstance;
  /** http://127.0.0.1:<port> */
  url: string;
  close(): Promise<void>;
}

/**
 * A real Freehold server on a loopback port with a fresh data folder and the given generated
 * models registered (default: "tiny" dense and "tiny-moe"). One thread per model keeps tiny
 * models fast on 2 cores.
 */
export async function startServer(opts: {
  models?: Record<string, { shape?: "tiny" | "tiny-moe" | "tiny-rerank" | "tiny-coder"; seed?: number; pair?: { draftLayers: number; draft?: boolean } }>;
  app?: AppOptions;
  server?: ServerOptions;
  /** Written as <home>/config.json before the app opens (e.g. `{ server: { requireAuth: true } }`). */
  config?: FreeholdConfig;
} = {}): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), "fh-home-"));
  if (opts.config) writeFileSync(join(home, "config.json"), JSON.stringify(opts.config));
  const app = await openApp({ home, ...opts.app, runtime: { threads: 1, ...opts.app?.runtime } });
  const models = opts.models ?? { tiny: { shape: "tiny" }, "tiny-moe": { shape: "tiny-moe" } };
  for (const [name, m] of Object.entries(models)) {
    await app.models.register(await testModel(m), { name, source: "generated" });
  }
  const server = await buildServer(app, opts.server).catch(async (e) => {
    await app.close();
    rmSync(home, { recursive: true, force: true });
    throw e;
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const addr = server.server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    app, server, url: `http://127.0.0.1:${port}`,
    async close() {
      await server.close();
      await app.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
