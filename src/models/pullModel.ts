import type { App } from "../app.ts";
import type { ModelRecord } from "../store/repos/models.ts";
import { checkModelName } from "./names.ts";
import { pullFromHub, type PullOptions } from "./pull/pull.ts";

export type PullModelOptions = Pick<PullOptions, "onProgress" | "signal" | "endpoint" | "token"> & { name?: string };

/**
 * Pulls a GGUF from the hub into downloads/ (resumable, verified) and registers it. Pulling a
 * model that is already registered under that name returns it unchanged.
 */
export async function pullModel(app: App, ref: string, opts: PullModelOptions = {}): Promise<ModelRecord> {
  const r = await pullFromHub({ ref, modelsDir: app.paths.downloads, downloadsDir: app.paths.downloads, ...opts });
  const name = checkModelName(opts.name ?? `${r.repo}:${quantTag(r.file)}`.toLowerCase());
  const existing = await app.models.find(name);
  if (existing?.sha256 === r.sha256) return existing;
  return app.models.register(r.path, {
    name, source: "pull", sourceRef: `hf:${r.repo}/${r.file}@${r.revision}`, adopt: true, sha256: r.sha256,
  });
}

/** "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf" → "Q4_K_M"; falls back to the file's stem. */
export function quantTag(file: string): string {
  const stem = file.split("/").pop()!.replace(/\.gguf$/i, "");
  const m = stem.match(/(?:^|[-._])((?:I?Q\d(?:_[A-Z0-9]+)*)|BF16|F16|F32)(?=$|[-._])/i);
  return m ? m[1] : stem;
}
