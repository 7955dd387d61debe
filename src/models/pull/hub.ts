import { invalid, notFound } from "../../errors.ts";
import { authError, fetchFollowing, upstream, type FetchFn } from "./http.ts";

/** A GGUF file in a hub repository. sha256 is the LFS object id, i.e. the SHA-256 of the content. */
export interface HubFile {
  path: string;
  size: number;
  sha256: string;
}

export interface HubClientOptions {
  /** Defaults to $HF_ENDPOINT, then https://huggingface.co. */
  endpoint?: string;
  /** Defaults to $HF_TOKEN (or the legacy $HUGGING_FACE_HUB_TOKEN). */
  token?: string;
  fetch?: FetchFn;
}

interface TreeEntry {
  type?: string;
  path?: unknown;
  size?: unknown;
  lfs?: { oid?: unknown; size?: unknown };
}

const SHA256 = /^[0-9a-f]{64}$/;
const MAX_PAGES = 100;

const encodePath = (p: string) => p.split("/").map(encodeURIComponent).join("/");

export class HubClient {
  readonly endpoint: string;
  readonly token: string | undefined;
  private readonly fetchImpl: FetchFn;

  constructor(opts: HubClientOptions = {}) {
    this.endpoint = (opts.endpoint ?? process.env.HF_ENDPOINT ?? "https://huggingface.co").replace(/\/+$/, "");
    this.token = opts.token ?? (process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || undefined);
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** Headers for hub requests; downloadFile strips Authorization again on cross-host redirects. */
  authHeaders(): Record<string, string> {
    return this.token ? { authorization: `Bearer ${this.token}` } : {};
  }

  resolveUrl(repoId: string, revision: string, file: string): string {
    return `${this.endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${encodePath(file)}`;
  }

  /** All LFS-backed .gguf files at `revision`, following the tree API's Link-header pagination. */
  async listGgufFiles(repoId: string, revision = "main", signal?: AbortSignal): Promise<HubFile[]> {
    const label = `hf:${repoId}`;
    let url: string | undefined =
      `${this.endpoint}/api/models/${repoId}/tree/${encodeURIComponent(revision)}?recursive=true`;
    const files: HubFile[] = [];
    for (let page = 0; url && page < MAX_PAGES; page++) {
      let res: Response;
      try {
        res = await fetchFollowing(url, { accept: "application/json", ...this.authHeaders() }, signal, this.fetchImpl);
      } catch (err) {
        if (signal?.aborted) throw err;
        throw upstream(`cannot reach the hub at ${this.endpoint}: ${(err as Error).message}`, err);
      }
      if (!res.ok) {
        await res.body?.cancel();
        const code = res.headers.get("x-error-code");
        if (res.status === 404 && code === "RevisionNotFound") throw notFound(`revision "${revision}" not found in ${label}`);
        if (res.status === 404) throw notFound(`model repository ${label} not found on the hub`);
        // The hub answers 401 RepoNotFound for both missing and private repos, so say both.
        if (res.status === 401 && code === "RepoNotFound" && !this.token) {
          throw notFound(`model repository ${label} not found on the hub; if it is private or gated, set HF_TOKEN`);
        }
        if (res.status === 401 || res.status === 403) throw authError(res.status, label, !!this.token);
        throw upstream(`listing files of ${label} failed: hub answered HTTP ${res.status}`);
      }
      const body = (await res.json().catch(() => null)) as TreeEntry[] | null;
      if (!Array.isArray(body)) throw upstream(`listing files of ${label} failed: unexpected response`);
      for (const e of body) {
        const oid = e.lfs?.oid;
        if (e.type !== "file" || typeof e.path !== "string" || !e.path.toLowerCase().endsWith(".gguf")) continue;
        // GGUF weights are always LFS objects; without the SHA-256 we could not verify the download.
        if (typeof oid !== "string" || !SHA256.test(oid)) continue;
        const size = Number(e.lfs?.size ?? e.size);
        if (Number.isSafeInteger(size) && size >= 0) files.push({ path: e.path, size, sha256: oid });
      }
      url = nextLink(res.headers.get("link"), url);
    }
    return files;
  }
}

function nextLink(header: string | null, base: string): string | undefined {
  const m = header && /<([^>]+)>\s*;\s*rel="?next"?/.exec(header);
  return m ? new URL(m[1], base).toString() : undefined;
}

const SPLIT = /-\d{5}-of-\d{5}\.gguf$/i;
const DEFAULT_QUANTS = ["Q4_K_M", "Q4_0", "Q8_0"];
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const basename = (p: string) => p.slice(p.lastIndexOf("/") + 1);
// Multimodal projectors ship next to the weights; never pick one unless named exactly.
const isProjector = (f: HubFile) => basename(f.path).toLowerCase().startsWith("mmproj");

/**
 * A quant tag matches as a whole token: preceded by a separator and followed by "." "-" "/" or the
 * end, so "Q4_K" does not match "Q4_K_M" and "F16" does not match "BF16".
 */
export const matchesQuant = (file: string, quant: string) =>
  new RegExp(`(^|[-._/])${escapeRe(quant)}([-./]|$)`, "i").test(file.replace(/\.gguf$/i, ""));

/** Picks the file a selector names: an exact path or file name, or a quant tag; default Q4_K_M. */
export function chooseFile(files: HubFile[], selector?: string, label = "the repository"): HubFile {
  const available = () => (files.length ? files.map((f) => f.path).join(", ") : "none");
  const pick = (matches: HubFile[], what: string): HubFile => {
    const whole = matches.filter((f) => !SPLIT.test(f.path));
    if (whole.length === 1) return whole[0];
    if (whole.length > 1) {
      throw invalid(`${what} is ambiguous in ${label}: ${whole.map((f) => f.path).join(", ")}; name the file exactly`);
    }
    throw invalid(`${what} in ${label} is split into several files, which is not supported yet`);
  };
  if (!files.length) throw notFound(`${label} has no GGUF files`);
  if (selector) {
    const exact = files.filter((f) => f.path === selector);
    if (exact.length) return pick(exact, `"${selector}"`);
    const byName = files.filter((f) => basename(f.path) === selector);
    if (byName.length) return pick(byName, `"${selector}"`);
    const byQuant = files.filter((f) => !isProjector(f) && matchesQuant(f.path, selector));
    if (byQuant.length) return pick(byQuant, `quant ${selector}`);
    throw notFound(`no GGUF file matching "${selector}" in ${label}; available: ${available()}`);
  }
  const weights = files.filter((f) => !isProjector(f));
  for (const q of DEFAULT_QUANTS) {
    const m = weights.filter((f) => matchesQuant(f.path, q) && !SPLIT.test(f.path));
    if (m.length) return pick(m, `quant ${q}`);
  }
  const whole = weights.filter((f) => !SPLIT.test(f.path)).sort((a, b) => a.size - b.size);
  if (whole.length) return whole[0];
  throw invalid(`${label} only has split GGUF files, which are not supported yet; available: ${available()}`);
}
