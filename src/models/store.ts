import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Paths } from "../config.ts";
import { conflict, notFound } from "../errors.ts";
import type { ModelRecord, ModelsRepo } from "../store/repos/models.ts";
import { type AdapterFacts, ggufHasInfill, inspectAdapter, inspectGguf, type ModelFacts } from "./inspect.ts";
import { checkModelName, nameFromFile } from "./names.ts";
import type { Preset, PresetAdapter } from "./preset.ts";
import { commit } from "./pull/files.ts";

export interface RegisterOptions {
  name?: string;
  source?: string;
  sourceRef?: string;
  description?: string;
  parentName?: string;
  /** The file already sits in the models folder under our control: take it instead of copying. */
  adopt?: boolean;
  /** Known SHA-256 (for example verified by a download): skips re-hashing. */
  sha256?: string;
  /** Its own system prompt and parameters (src/models/preset.ts). */
  preset?: Preset | null;
  /** The file's facts when another process already inspected it (the demo model, src/models/demo.ts). */
  facts?: ModelFacts;
}

/**
 * The model registry: GGUF files under <home>/models/<id>.gguf, facts in the database. A file
 * is complete on disk (copied, fsynced, renamed) before its row is written, and orphans from a
 * crash in between are swept at start, so a registered model always has a whole file.
 */
export class ModelStore {
  constructor(private repo: ModelsRepo, private paths: Paths) {}

  async register(file: string, opts: RegisterOptions = {}): Promise<ModelRecord> {
    const facts = opts.facts ?? (await inspectGguf(file));
    const name = checkModelName(opts.name ?? nameFromFile(basename(file)));
    if (await this.repo.getByName(name)) throw conflict(`a model named "${name}" already exists`);
    const parent = opts.parentName ? await this.get(opts.parentName) : undefined;
    await mkdir(this.paths.models, { recursive: true });
    const id = randomUUID();
    const dest = join(this.paths.models, `${id}.gguf`);
    let sha256 = opts.sha256;
    try {
      if (opts.adopt) {
        sha256 ??= await hashFile(file);
        await commit(file, dest); // a rename, or a copy when the file is on another filesystem (TMPDIR on tmpfs)
      } else {
        sha256 = await copyHashed(file, dest);
      }
      return await this.repo.insert({
        id, name, path: dest, source: opts.source ?? "import", sourceRef: opts.sourceRef ?? file, sha256,
        ...recordFacts(facts), description: opts.description ?? facts.description ?? null,
        parentModelId: parent?.id ?? null, preset: opts.preset ?? null,
      });
    } catch (e) {
      if (!opts.adopt) await rm(dest, { force: true });
      throw e;
    }
  }

  async get(name: string): Promise<ModelRecord> {
    const m = await this.find(name);
    if (!m) throw notFound(`model "${name}" not found`);
    return m;
  }

  async find(name: string): Promise<ModelRecord | undefined> {
    // Control characters can never be in a valid name (and PostgreSQL rejects NUL in text).
    if (/[\u0000-\u001f]/.test(name)) return undefined;
    return this.repo.getByName(name);
  }

  list(): Promise<ModelRecord[]> {
    return this.repo.list();
  }

  /**
   * Another name for the same weights (Ollama's `copy`): the file is shared, not duplicated. The
   * copy keeps the source's preset, or takes the one given (a model made `FROM` another).
   */
  async copy(from: string, to: string, preset?: Preset | null): Promise<ModelRecord> {
    const src = await this.get(from);
    checkModelName(to);
    if (await this.repo.getByName(to)) throw conflict(`a model named "${to}" already exists`);
    const { id: _id, createdAt: _c, name: _n, ...rest } = src;
    return this.repo.insert({ ...rest, id: randomUUID(), name: to, parentModelId: src.id, ...(preset !== undefined ? { preset } : {}) });
  }

  /** Removes the name; the file goes when no other name refers to it, and so do its adapters. */
  async remove(name: string): Promise<void> {
    const m = await this.get(name);
    await this.repo.remove(name);
    const rest = await this.repo.list();
    if (!rest.some((o) => o.path === m.path)) await rm(m.path, { force: true });
    const inUse = adaptersIn(rest);
    for (const a of m.preset?.adapters ?? []) if (!inUse.has(a.sha256)) await rm(this.adapterPath(a.sha256), { force: true });
  }

  /** Where an adapter a preset names is kept. */
  adapterPath(sha256: string): string {
    return join(this.paths.adapters, `${sha256}.gguf`);
  }

  /**
   * Keeps a LoRA adapter for models made on `base` (the base model's GGUF): checked against it
   * (inspectAdapter), then copied under its SHA-256, or taken (`adopt`: an uploaded blob) and
   * renamed. One file however many models name it. The caller names it in a preset; until then
   * it is an orphan the start-up sweep removes once it is old.
   */
  async addAdapter(file: string, base: string, opts: { name?: string; adopt?: boolean; sha256?: string } = {}): Promise<PresetAdapter & { facts: AdapterFacts }> {
    const facts = await inspectAdapter(file, base);
    await mkdir(this.paths.adapters, { recursive: true });
    const partial = join(this.paths.adapters, `${randomUUID()}.partial`);
    let sha256 = opts.sha256;
    try {
      if (opts.adopt) {
        sha256 ??= await hashFile(file);
        await commit(file, partial);
      } else {
        sha256 = await copyHashed(file, partial);
      }
      await rename(partial, this.adapterPath(sha256));
    } finally {
      await rm(partial, { force: true });
    }
    return { name: opts.name ?? basename(file), sha256, facts };
  }

  /** The adapter with this SHA-256, if a model here already uses it (clients then skip the upload). */
  async hasAdapter(sha256: string): Promise<boolean> {
    return adaptersIn(await this.repo.list()).has(sha256);
  }

  /**
   * Models registered before imports recorded fill-in-the-middle tokens (`metadata.infill`) get it
   * from their GGUF header, once: /api/show's `insert` and /infill's default model read it. A file
   * that cannot be read now is left for the next start. Returns the names updated.
   */
  async recordInfill(): Promise<string[]> {
    const updated: string[] = [];
    for (const m of await this.repo.list()) {
      if (m.metadata && "infill" in m.metadata) continue;
      const infill = await ggufHasInfill(m.path).catch(() => undefined);
      if (infill === undefined) continue;
      await this.repo.update(m.name, { metadata: { ...m.metadata, infill } });
      updated.push(m.name);
    }
    return updated;
  }

  /**
   * Deletes files in models/ that no row refers to (a crash between copy and insert), and what
   * no pull can resume in downloads/ (see sweepDownloads). Returns the names deleted.
   */
  async sweepOrphans(): Promise<string[]> {
    const known = new Set((await this.repo.list()).map((m) => basename(m.path)));
    const files = await readdir(this.paths.models).catch(() => [] as string[]);
    const orphans = files.filter((f) => !known.has(f));
    await Promise.all(orphans.map((f) => rm(join(this.paths.models, f), { force: true })));
    return [...orphans, ...(await this.sweepAdapters()), ...(await this.sweepDownloads())];
  }

  /** Adapter files no preset names (a crash between copying one and making its model), once they are old. */
  private async sweepAdapters(): Promise<string[]> {
    const inUse = adaptersIn(await this.repo.list());
    const stale: string[] = [];
    for (const f of await readdir(this.paths.adapters).catch(() => [] as string[])) {
      if (inUse.has(f.replace(/\.gguf$/, ""))) continue;
      const st = await stat(join(this.paths.adapters, f)).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs < IN_FLIGHT_MS) continue;
      await rm(join(this.paths.adapters, f), { force: true });
      stale.push(f);
    }
    return stale;
  }

  /**
   * Interrupted pulls stay in downloads/ as `<sha256>.partial` (with their lock) so any later
   * pull of the same content resumes them. Anything else there is a file that was never adopted:
   * a download refused at registration, a generation or quantization that crashed. Recent files
   * are left alone: another process may still be writing or adopting them.
   */
  private async sweepDownloads(): Promise<string[]> {
    const entries = await readdir(this.paths.downloads, { withFileTypes: true }).catch(() => []);
    const stale: string[] = [];
    for (const e of entries) {
      if (!e.isFile() || RESUMABLE_DOWNLOAD.test(e.name)) continue;
      const path = join(this.paths.downloads, e.name);
      const st = await stat(path).catch(() => undefined);
      if (!st || Date.now() - st.mtimeMs < IN_FLIGHT_MS) continue;
      await rm(path, { force: true });
      stale.push(e.name);
    }
    return stale;
  }
}

/** A pull's partial download and its lock (src/models/pull/pull.ts, lock.ts). */
const RESUMABLE_DOWNLOAD = /^[0-9a-f]{64}\.partial(\.lock)?$/;
/** Longer than any writer goes without touching its file, or any adoption takes. */
const IN_FLIGHT_MS = 60 * 60 * 1000;

/** The SHA-256s of the adapters the models' presets name. */
const adaptersIn = (models: ModelRecord[]) => new Set(models.flatMap((m) => (m.preset?.adapters ?? []).map((a) => a.sha256)));

function recordFacts(f: ModelFacts) {
  return {
    sizeBytes: f.sizeBytes, architecture: f.architecture, parameterCount: f.parameterCount,
    quantization: f.quantization, contextLength: f.contextLength ?? null, expertCount: f.expertCount ?? null,
    expertUsedCount: f.expertUsedCount ?? null, chatTemplate: f.chatTemplate ?? null,
    metadata: {
      activeParameterCount: f.activeParameterCount, embeddingLength: f.embeddingLength, layers: f.layers,
      ggufName: f.name, ...(f.reranker ? { reranker: true } : {}), infill: f.infill ?? false,
    },
  };
}

export async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk);
  return hash.digest("hex");
}

/** Copies through a temporary name, hashing on the way, fsync before rename. */
async function copyHashed(src: string, dest: string): Promise<string> {
  const hash = createHash("sha256");
  const tmp = `${dest}.partial`;
  try {
    await pipeline(
      createReadStream(src, { highWaterMark: 1 << 20 }),
      new Transform({ transform(chunk, _e, cb) { hash.update(chunk); cb(null, chunk); } }),
      createWriteStream(tmp),
    );
    const fh = await open(tmp, "r+");
    await fh.sync();
    await fh.close();
    await rename(tmp, dest);
    return hash.digest("hex");
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}
