import { mkdir } from "node:fs/promises";
import { AccountsRepo } from "./accounts/repo.ts";
import { AccountsService } from "./accounts/service.ts";
import { FeedbackRepo } from "./chat/feedback.ts";
import { ChatRepo } from "./chat/repo.ts";
import { ChatService } from "./chat/service.ts";
import { SharesService } from "./chat/shares.ts";
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
  /** Web-app users, cookie sessions and invites (src/accounts). */
  accounts: AccountsService;
  /** Web-app conversations as message trees (src/chat). */
  chat: ChatService;
  /** Thumbs, regenerations, edits and copies, kept private (src/chat/feedback.ts). */
  feedback: FeedbackRepo;
  /** The discover feed (src/chat/shares.ts). */
  shares: SharesService;
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
  const chatRepo = new ChatRepo(db);
  const feedback = new FeedbackRepo(db);
  const chat = new ChatService(chatRepo, feedback, gateway);
  const shares = new SharesService(db, chatRepo);
  const accounts = new AccountsService(new AccountsRepo(db));
  return {
    paths, config, db, models, runtime, gateway, upstreams, metrics, auth: new AuthService(new KeysRepo(db)), limits,
    accounts, chat, feedback, shares,
    async close() {
      await runtime.close();
      await upstreams.close();
      await db.close();
    },
  };
}
