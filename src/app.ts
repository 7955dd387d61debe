import { mkdir } from "node:fs/promises";
import { KeysRepo } from "./auth/repo.ts";
import { AuthService } from "./auth/service.ts";
import { serverLimits, type ServerLimits } from "./auth/limits.ts";
import { loadConfig, pathsFor, resolveHome, type FreeholdConfig, type Paths } from "./config.ts";
import { Gateway } from "./gateway/gateway.ts";
import { UpstreamRepo } from "./gateway/upstreamRepo.ts";
import { Upstreams } from "./gateway/upstreams.ts";
import { ModelStore } from "./models/store.ts";
import { Metrics } from "./observability/metrics.ts";
import { Runtime, type RuntimeOptions } from "./runtime/index.ts";
import { SecretBox } from "./secrets/secretBox.ts";
import { openDb, type Db } from "./store/db.ts";
import { ModelsRepo } from "./store/repos/models.ts";

export interface AppOptions {
  home?: string;
  /** PostgreSQL URL; default: embedded PGlite under <home>/db. */
  databaseUrl?: string;
  runtime?: RuntimeOptions;
}

/** Everything the CLI and the server share, wired once. */
export interface App {
  paths: Paths;
  config: FreeholdConfig;
  db: Db;
  models: ModelStore;
  runtime: Runtime;
  gateway: Gateway;
  /** Remote OpenAI-compatible engines served under local names (`freehold upstream`). */
  upstreams: Upstreams;
  /** Prometheus registry behind GET /metrics. */
  metrics: Metrics;
  /** API keys: create, list, revoke, authenticate, recordUsage (src/auth). */
  auth: AuthService;
  /** Body size and max_tokens cap from config.server, defaults applied. */
  limits: ServerLimits;
  close(): Promise<void>;
}

export async function openApp(opts: AppOptions = {}): Promise<App> {
  const paths = pathsFor(resolveHome(opts.home));
  const config = await loadConfig(paths.home);
  const limits = serverLimits(config.server);
  await mkdir(paths.models, { recursive: true });
  await mkdir(paths.downloads, { recursive: true });
  const db = await openDb({ url: opts.databaseUrl ?? process.env.DATABASE_URL, dataDir: paths.db });
  const models = new ModelStore(new ModelsRepo(db), paths);
  await models.sweepOrphans();
  const runtime = new Runtime({ ...(config.runtime as RuntimeOptions | undefined), ...opts.runtime });
  const metrics = new Metrics();
  metrics.watchRuntime(runtime);
  const upstreams = new Upstreams(new UpstreamRepo(db), new SecretBox(paths.home), {
    config: config.upstreams, localNames: async () => (await models.list()).map((m) => m.name), observer: metrics.upstream,
  });
  const gateway = new Gateway(models, runtime, { upstreams, metrics });
  return {
    paths, config, db, models, runtime, gateway, upstreams, metrics, auth: new AuthService(new KeysRepo(db)), limits,
    async close() {
      await runtime.close();
      await upstreams.close();
      await db.close();
    },
  };
}
