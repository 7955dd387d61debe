import { existsSync } from "node:fs";
import { FreeholdError, notFound } from "../errors.ts";
import type { PresetAdapter } from "../models/preset.ts";
import type { ModelStore } from "../models/store.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { Runtime } from "../runtime/index.ts";
import { instrument } from "./instrument.ts";
import { localBackend } from "./local.ts";
import { presetDefaults, withPreset } from "./preset.ts";
import type { Backend, ModelSummary } from "./types.ts";
import type { Upstreams } from "./upstreams.ts";

export interface GatewayOptions {
  /** Remote engines served under local names (local models win a name clash). */
  upstreams?: Upstreams;
  /** When set, every generation is measured for /metrics. */
  metrics?: Metrics;
}

/**
 * Picks the backend for a model name. Everything that generates text comes through here, so
 * every feature works the same with a local model or an upstream one.
 */
export class Gateway {
  /** Upstream backends live as long as their connection pool: each is wrapped for metrics once. */
  private readonly measured = new WeakMap<Backend, Backend>();

  constructor(private models: ModelStore, readonly runtime: Runtime, private opts: GatewayOptions = {}) {}

  /** A local model's file by name (a request's draft model). */
  private readonly findLocal = async (name: string) => {
    const m = await this.models.find(name);
    return m ? { name: m.name, path: m.path, sizeBytes: m.sizeBytes } : undefined;
  };

  async resolve(name: string): Promise<Backend> {
    // Upstreams first: their cached list already excludes local names, and it spares the
    // proxied path a database query.
    let backend = await this.opts.upstreams?.backend(name);
    if (!backend) {
      const m = await this.models.find(name);
      if (m) backend = localBackend(this.runtime, { name: m.name, path: m.path, sizeBytes: m.sizeBytes }, this.findLocal);
      if (m?.preset && backend) backend = withPreset(backend, m.preset, this.adapterFiles(m.name, m.preset.adapters ?? []));
    }
    if (!backend) throw notFound(`model "${name}" not found: see GET /v1/models or \`freehold list\``, "model");
    const metrics = this.opts.metrics;
    if (!metrics) return backend;
    if (backend.kind !== "upstream") return instrument(backend, name, metrics);
    let wrapped = this.measured.get(backend);
    if (!wrapped) this.measured.set(backend, wrapped = instrument(backend, name, metrics));
    return wrapped;
  }

  /** A model's adapter files, which must still be in the data folder (named to the caller by the name it gave, never its path). */
  private adapterFiles(model: string, adapters: PresetAdapter[]): { path: string }[] {
    return adapters.map((a) => {
      const path = this.models.adapterPath(a.sha256);
      if (!existsSync(path)) {
        throw new FreeholdError("internal", `model "${model}": its LoRA adapter ${a.name} is missing from the data folder (adapters/); create the model again with it`);
      }
      return { path };
    });
  }

  async list(): Promise<ModelSummary[]> {
    const local = (await this.models.list()).map((m): ModelSummary => ({
      name: m.name, kind: "local", createdAt: new Date(m.createdAt), sizeBytes: m.sizeBytes ?? undefined,
      family: m.architecture ?? undefined, quantization: m.quantization ?? undefined,
      parameterCount: m.parameterCount ?? undefined, contextLength: m.contextLength ?? undefined,
      ...(m.preset ? { defaults: presetDefaults(m.preset) } : {}),
      ...(m.metadata?.reranker ? { reranker: true as const } : {}),
    }));
    const names = new Set(local.map((m) => m.name));
    const remote = ((await this.opts.upstreams?.list()) ?? []).filter((u) => !names.has(u.name))
      .map((u): ModelSummary => ({ name: u.name, kind: "upstream", createdAt: u.createdAt }));
    return [...local, ...remote].sort((a, b) => a.name.localeCompare(b.name));
  }
}
