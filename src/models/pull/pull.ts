import { stat } from "node:fs/promises";
import path from "node:path";
import { invalid } from "../../errors.ts";
import { downloadFile, type StatfsFn } from "./download.ts";
import { sha256File } from "./files.ts";
import type { FetchFn } from "./http.ts";
import { chooseFile, HubClient } from "./hub.ts";
import { parseHubRef, type HubRef } from "./ref.ts";

/** Unlike a bare download, a pull always knows the total: the hub told us the file size. */
export interface PullProgress {
  downloaded: number;
  total: number;
}

export interface PullOptions {
  /** "hf:owner/repo[:quant or file]" or an already parsed reference. */
  ref: string | HubRef;
  modelsDir: string;
  /** Holds `<sha256>.partial` files; keyed by content so any later pull of the same file resumes. */
  downloadsDir: string;
  endpoint?: string;
  token?: string;
  onProgress?: (p: PullProgress) => void;
  signal?: AbortSignal;
  /** Seams for tests. */
  statfs?: StatfsFn;
  fetch?: FetchFn;
  retryDelayMs?: number;
  progressIntervalMs?: number;
}

export interface PullResult {
  path: string;
  sha256: string;
  size: number;
  /** "owner/repo". */
  repo: string;
  /** Path of the file inside the repository. */
  file: string;
  revision: string;
}

/** Flat, sanitised `<owner>__<repo>__<file>` name that provably stays inside modelsDir. */
export function destinationFor(modelsDir: string, ref: Pick<HubRef, "owner" | "repo">, file: string): string {
  const name = [ref.owner, ref.repo, file.replaceAll("/", "__")].join("__").replace(/[^A-Za-z0-9._-]/g, "_");
  const root = path.resolve(modelsDir);
  const dest = path.resolve(root, name);
  if (path.dirname(dest) !== root || name.startsWith(".")) throw invalid(`unsafe file name "${file}" in the repository`);
  return dest;
}

/** Resolves a hub reference to one GGUF file and makes sure a verified copy is in modelsDir. */
export async function pullFromHub(o: PullOptions): Promise<PullResult> {
  const ref = typeof o.ref === "string" ? parseHubRef(o.ref) : o.ref;
  const repo = `${ref.owner}/${ref.repo}`;
  const hub = new HubClient({ endpoint: o.endpoint, token: o.token, fetch: o.fetch });
  const files = await hub.listGgufFiles(repo, ref.revision, o.signal);
  const file = chooseFile(files, ref.selector, `hf:${repo}`);
  const dest = destinationFor(o.modelsDir, ref, file.path);
  const result: PullResult = { path: dest, sha256: file.sha256, size: file.size, repo, file: file.path, revision: ref.revision };

  // Already pulled: re-hash rather than trust the name, since a copy could be truncated or edited.
  const existing = await stat(dest).catch(() => undefined);
  if (existing?.isFile() && existing.size === file.size && (await sha256File(dest)) === file.sha256) {
    o.onProgress?.({ downloaded: file.size, total: file.size });
    return result;
  }
  await downloadFile({
    url: hub.resolveUrl(repo, ref.revision, file.path),
    dest,
    partialPath: path.join(path.resolve(o.downloadsDir), `${file.sha256}.partial`),
    expectedSha256: file.sha256,
    expectedSize: file.size,
    headers: hub.authHeaders(),
    onProgress: o.onProgress && ((p) => o.onProgress!({ downloaded: p.downloaded, total: p.total ?? file.size })),
    signal: o.signal,
    statfs: o.statfs,
    fetch: o.fetch,
    retryDelayMs: o.retryDelayMs,
    progressIntervalMs: o.progressIntervalMs,
  });
  return result;
}
