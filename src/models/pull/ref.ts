import { invalid } from "../../errors.ts";

/** A parsed Hugging Face model reference: which repo, which revision, which file or quant inside it. */
export interface HubRef {
  owner: string;
  repo: string;
  revision: string;
  /** Exact file path or quant tag (e.g. "Q4_K_M"); undefined lets chooseFile pick a default. */
  selector?: string;
}

// Hub naming rules, a little stricter: these values end up in URLs and file names.
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const REVISION = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$/;
const SELECTOR = /^[A-Za-z0-9_][A-Za-z0-9._/-]{0,254}$/;
// Longest first, so "hf://" is not read as "hf:" followed by "//".
const SHORT_PREFIXES = ["hf://", "hf:", "hf.co/", "huggingface.co/"];
const URL_PREFIXES = ["https://huggingface.co/", "https://hf.co/", "https://www.huggingface.co/"];

const safePath = (s: string) => !s.split("/").some((seg) => seg === "" || seg === "." || seg === "..");

export function formatHubRef(ref: HubRef): string {
  const rev = ref.revision === "main" ? "" : `@${ref.revision}`;
  return `hf:${ref.owner}/${ref.repo}${rev}${ref.selector ? `:${ref.selector}` : ""}`;
}

/**
 * Accepts `hf:owner/repo[@rev][:quant-or-file]`, `hf.co/owner/repo:Q4_K_M` (Ollama style) and
 * `https://huggingface.co/owner/repo[/resolve|blob|tree/<rev>/<file>]`.
 */
export function parseHubRef(input: string): HubRef {
  const raw = input.trim();
  const bad = (why: string) =>
    invalid(`invalid model reference "${input}": ${why} (expected hf:<owner>/<repo>[:<quant or file>])`);
  const lower = raw.toLowerCase();
  const url = URL_PREFIXES.find((p) => lower.startsWith(p));
  const short = url ? undefined : SHORT_PREFIXES.find((p) => lower.startsWith(p));
  if (!url && !short) throw bad("unknown prefix");
  const rest = raw.slice((url ?? short)!.length);

  let owner: string, repo: string, revision = "main", selector: string | undefined;
  if (url) {
    const parts = rest.replace(/[?#].*$/, "").replace(/\/+$/, "").split("/");
    [owner, repo] = parts;
    if (parts.length > 2) {
      if (!["resolve", "blob", "tree"].includes(parts[2]) || parts.length < 4) throw bad("unsupported URL");
      revision = parts[3];
      selector = parts.slice(4).join("/") || undefined;
    }
  } else {
    const slash = rest.indexOf("/");
    if (slash < 0) throw bad("missing repository name");
    owner = rest.slice(0, slash);
    let repoPart = rest.slice(slash + 1);
    const colon = repoPart.indexOf(":");
    if (colon >= 0) {
      selector = repoPart.slice(colon + 1);
      repoPart = repoPart.slice(0, colon);
      if (!selector) throw bad("empty quant or file after ':'");
      if (selector.toLowerCase() === "latest") selector = undefined; // Ollama's default tag
    }
    const at = repoPart.indexOf("@");
    repo = at >= 0 ? repoPart.slice(0, at) : repoPart;
    if (at >= 0) revision = repoPart.slice(at + 1);
  }

  for (const name of [owner, repo]) {
    if (!name || !NAME.test(name) || name.includes("..")) throw bad(`"${name ?? ""}" is not a valid owner or repository name`);
  }
  if (!REVISION.test(revision) || !safePath(revision)) throw bad(`"${revision}" is not a valid revision`);
  if (selector !== undefined && (!SELECTOR.test(selector) || !safePath(selector))) {
    throw bad(`"${selector}" is not a valid quant or file name`);
  }
  return selector === undefined ? { owner, repo, revision } : { owner, repo, revision, selector };
}
