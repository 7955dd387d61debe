import { rm } from "node:fs/promises";
import type { App } from "../app.ts";
import { conflict } from "../errors.ts";
import type { ModelRecord } from "../store/repos/models.ts";
import { checkModelName } from "./names.ts";
import { chooseFile, HubClient } from "./pull/hub.ts";
import { pullFromHub, type PullOptions } from "./pull/pull.ts";
import { parseHubRef } from "./pull/ref.ts";

export type PullModelOptions = Pick<PullOptions, "onProgress" | "signal" | "endpoint" | "token"> & { name?: string };

/**
 * Pulls a GGUF from the hub into downloads/ (resumable, verified) and registers it. The file is
 * resolved first, so a model already registered with the same bytes downloads nothing, and a
 * name taken by other weights is refused before any download.
 */
export async function pullModel(app: App, ref: string, opts: PullModelOptions = {}): Promise<ModelRecord> {
  const hubRef = parseHubRef(ref);
  const repo = `${hubRef.owner}/${hubRef.repo}`;
  const hub = new HubClient({ endpoint: opts.endpoint, token: opts.token });
  const file = chooseFile(await hub.listGgufFiles(repo, hubRef.revision, opts.signal), hubRef.selector, `hf:${repo}`);
  const name = checkModelName(opts.name ?? `${repo}:${quantTag(file.path)}`.toLowerCase());
  const existing = await app.models.find(name);
  if (existing?.sha256 === file.sha256) {
    opts.onProgress?.({ downloaded: file.size, total: file.size });
    return existing;
  }
  if (existing) throw conflict(`a model named "${name}" already exists with other weights: remove it first, or pull with --name`);
  const r = await pullFromHub({ ...opts, ref: { ...hubRef, selector: file.path }, modelsDir: app.paths.downloads, downloadsDir: app.paths.downloads });
  try {
    return await app.models.register(r.path, {
      name, source: "pull", sourceRef: `hf:${r.repo}/${r.file}@${r.revision}`, adopt: true, sha256: r.sha256,
    });
  } catch (e) {
    // Verified but refused (a GGUF llama.cpp cannot load, or the name taken meanwhile): nothing will ever adopt it.
    await rm(r.path, { force: true });
    throw e;
  }
}

/** "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf" → "Q4_K_M"; falls back to the file's stem. */
export function quantTag(file: string): string {
  const stem = file.split("/").pop()!.replace(/\.gguf$/i, "");
  const m = stem.match(/(?:^|[-._])((?:I?Q\d(?:_[A-Z0-9]+)*)|BF16|F16|F32)(?=$|[-._])/i);
  return m ? m[1] : stem;
}
