import { FreeholdError } from "../../errors.ts";

export type FetchFn = typeof fetch;

const MAX_REDIRECTS = 10;

/**
 * GET that follows redirects itself so the Authorization header is dropped as soon as a hop leaves
 * the original origin (the hub redirects LFS files to a CDN that must never see the token). Once
 * dropped it stays dropped, like huggingface_hub/requests.
 */
export async function fetchFollowing(
  url: string,
  headers: Record<string, string>,
  signal?: AbortSignal,
  fetchImpl: FetchFn = fetch,
): Promise<Response> {
  const origin = new URL(url).origin;
  let current = new URL(url);
  let sendAuth = true;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    sendAuth &&= current.origin === origin;
    const h = Object.fromEntries(
      Object.entries(headers).filter(([k]) => sendAuth || k.toLowerCase() !== "authorization"),
    );
    const res = await fetchImpl(current, { headers: h, redirect: "manual", signal });
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) return res;
    await res.body?.cancel();
    current = new URL(location, current);
    if (current.protocol !== "https:" && current.protocol !== "http:") break;
  }
  throw new FreeholdError("upstream_error", `too many or invalid redirects fetching ${redactUrl(url)}`);
}

/** Drops the query string: CDN URLs carry signatures that should not end up in logs or errors. */
export const redactUrl = (url: string | URL) => {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
};

/** Maps a refused access to a message that tells the user what to do about it. */
export function authError(status: number, what: string, tokenSent: boolean): FreeholdError {
  const hint = tokenSent
    ? "check that HF_TOKEN is valid and has read access (and that you accepted the model's licence on huggingface.co if it is gated)"
    : "if it is private or gated, set HF_TOKEN to a Hugging Face access token with read access";
  return new FreeholdError("upstream_error", `the hub refused access to ${what} (HTTP ${status}): ${hint}`);
}

export const upstream = (message: string, cause?: unknown) =>
  new FreeholdError("upstream_error", message, cause === undefined ? {} : { cause });
