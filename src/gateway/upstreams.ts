import type { FreeholdConfig } from "../config.ts";
import { conflict, invalid, notFound } from "../errors.ts";
import { checkModelName } from "../models/names.ts";
import type { SecretBox } from "../secrets/secretBox.ts";
import type { Backend } from "./types.ts";
import { upstreamBackend } from "./upstream.ts";
import { UpstreamClient, type UpstreamObserver } from "./upstreamClient.ts";
import type { UpstreamRepo, UpstreamRow } from "./upstreamRepo.ts";
import { checkEnvVar, displayUrl, envKey, normalizeBaseUrl, type UpstreamTarget } from "./upstreamTarget.ts";

export interface AddUpstream {
  name: string;
  baseUrl: string;
  apiKey?: string;
  apiKeyEnv?: string;
  remoteModel?: string;
}

/** What may be shown anywhere (CLI, API, logs): never the key, only how it is held. */
export interface UpstreamInfo {
  name: string;
  baseUrl: string;
  remoteModel: string;
  key: string;
  source: "store" | "config";
  createdAt: Date;
}

type ConfigUpstream = NonNullable<FreeholdConfig["upstreams"]>[number];

/** Other nodes (or the CLI) may change the table; a second-old view is fresh enough. */
const TTL_MS = 1000;

/**
 * Upstream backends from the `upstreams` table and from config.json (read-only there). The
 * resolved list is cached briefly, so proxied requests do not query the database each time
 * (on embedded PGlite a query costs more than the whole proxying), and each upstream keeps
 * one connection pool for as long as its address does not change.
 */
export class Upstreams {
  private cache?: { at: number; targets: Map<string, UpstreamTarget> };
  private loading?: Promise<Map<string, UpstreamTarget>>;
  /** One client (connection pool) per upstream, and its backend: built once, not per request. */
  private readonly clients = new Map<string, { client: UpstreamClient; backend: Backend }>();
  /** Validated once, at start: a mistake in config.json should stop the server, not each request. */
  private readonly fromConfig: Map<string, UpstreamTarget>;

  constructor(
    private readonly repo: UpstreamRepo,
    private readonly secrets: SecretBox,
    private readonly opts: { config?: ConfigUpstream[]; localNames(): Promise<string[]>; observer?: UpstreamObserver },
  ) {
    this.fromConfig = configured(opts.config ?? []);
  }

  async add(a: AddUpstream): Promise<UpstreamInfo> {
    const name = checkModelName(a.name);
    const baseUrl = normalizeBaseUrl(a.baseUrl);
    if (a.apiKey && a.apiKeyEnv) throw invalid("give either an API key or the variable that holds it, not both", "apiKey");
    if (a.apiKey !== undefined && !a.apiKey.trim()) throw invalid("the API key is empty", "apiKey");
    // Sent in every request body and stored as text: printable, and not a novel (PostgreSQL text holds no NUL).
    if (a.remoteModel !== undefined && (/\p{Cc}/u.test(a.remoteModel) || a.remoteModel.length > 500)) {
      throw invalid("the remote model name must be printable and at most 500 characters", "remoteModel");
    }
    if ((await this.opts.localNames()).includes(name)) throw conflict(`a local model named "${name}" already exists`);
    if (this.fromConfig.has(name)) throw conflict(`an upstream named "${name}" is defined in config.json`);
    const row = await this.repo.insert({
      name, baseUrl, remoteModel: a.remoteModel || null,
      apiKeyEncrypted: a.apiKey ? await this.secrets.encrypt(a.apiKey.trim()) : null,
      apiKeyEnv: a.apiKeyEnv ? checkEnvVar(a.apiKeyEnv) : null,
    });
    this.cache = undefined;
    return info(this.fromRow(row));
  }

  async remove(name: string): Promise<void> {
    if (this.fromConfig.has(name)) throw invalid(`upstream "${name}" is defined in config.json: remove it there`, "name");
    if (!(await this.repo.remove(name))) throw notFound(`upstream "${name}" not found`);
    this.cache = undefined;
  }

  async list(): Promise<UpstreamInfo[]> {
    return [...(await this.targets()).values()].map(info).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The backend for an upstream model name, or undefined when there is none of that name. */
  async backend(name: string): Promise<Backend | undefined> {
    const target = (await this.targets()).get(name);
    if (!target) return undefined;
    let entry = this.clients.get(name);
    if (!entry || !sameTarget(entry.client.target, target)) {
      void entry?.client.close().catch(() => {}); // requests still on it finish first
      const client = new UpstreamClient(target, this.opts.observer);
      entry = { client, backend: upstreamBackend(client) };
      this.clients.set(name, entry);
    }
    return entry.backend;
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.client.close()));
    this.clients.clear();
  }

  private async targets(): Promise<Map<string, UpstreamTarget>> {
    if (this.cache && performance.now() - this.cache.at < TTL_MS) return this.cache.targets;
    this.loading ??= this.load().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  private async load(): Promise<Map<string, UpstreamTarget>> {
    const targets = new Map(this.fromConfig);
    for (const row of await this.repo.list()) if (!targets.has(row.name)) targets.set(row.name, this.fromRow(row));
    // A local model imported later under an upstream's name (or one in config.json) wins the name.
    for (const name of await this.opts.localNames()) targets.delete(name);
    this.cache = { at: performance.now(), targets };
    return targets;
  }

  private fromRow(r: UpstreamRow): UpstreamTarget {
    let key: Promise<string> | undefined; // decrypted once per row version, not per request
    const sealed = r.apiKeyEncrypted;
    return {
      name: r.name, baseUrl: r.baseUrl, remoteModel: r.remoteModel || r.name, source: "store", createdAt: r.createdAt,
      version: `${r.createdAt.getTime()}:${sealed ?? r.apiKeyEnv ?? ""}`,
      keyRef: r.apiKeyEnv ? `env:${r.apiKeyEnv}` : sealed ? "encrypted" : "none",
      apiKey: r.apiKeyEnv ? envKey(r.name, r.apiKeyEnv)
        : sealed ? () => (key ??= this.secrets.decrypt(sealed).catch((e) => { key = undefined; throw e; }))
        : async () => undefined,
    };
  }
}

const info = (t: UpstreamTarget): UpstreamInfo => ({
  name: t.name, baseUrl: displayUrl(t.baseUrl), remoteModel: t.remoteModel, key: t.keyRef, source: t.source, createdAt: t.createdAt,
});

/** Same row, same address and key: the pool (and its warm connections) can stay. */
const sameTarget = (a: UpstreamTarget, b: UpstreamTarget) => a.version === b.version && a.baseUrl === b.baseUrl && a.remoteModel === b.remoteModel;

/** config.json's upstreams: a key may be written there, or referenced as "env:VAR". */
function configured(list: ConfigUpstream[]): Map<string, UpstreamTarget> {
  const out = new Map<string, UpstreamTarget>();
  list.forEach((u, i) => {
    const where = `config.json upstreams[${i}]`;
    if (!u?.name || !u.baseUrl) throw invalid(`${where} needs "name" and "baseUrl"`);
    const env = u.apiKey?.startsWith("env:") ? checkEnvVar(u.apiKey.slice(4)) : undefined;
    out.set(u.name, {
      name: checkModelName(u.name), baseUrl: normalizeBaseUrl(u.baseUrl), remoteModel: u.remoteModel || u.name,
      source: "config", version: "config", keyRef: env ? `env:${env}` : u.apiKey ? "config" : "none", createdAt: new Date(0),
      apiKey: env ? envKey(u.name, env) : async () => u.apiKey || undefined,
    });
  });
  return out;
}
