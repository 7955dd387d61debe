/** `freehold keys` and `freehold upstream` through a running server's /v1/keys and /v1/upstreams. */
import type { ApiKey, NewKey } from "../auth/types.ts";
import type { AddUpstream, UpstreamInfo } from "../gateway/upstreams.ts";
import { call } from "./remote.ts";
import type { RunningServer } from "./runningServer.ts";

type Wire<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

/** Dates arrive as ISO strings; the commands print them as the local ones do. */
const revive = (k: Wire<ApiKey>): ApiKey => ({
  ...k, createdAt: new Date(k.createdAt), expiresAt: date(k.expiresAt), lastUsedAt: date(k.lastUsedAt), revokedAt: date(k.revokedAt),
});
const reviveUpstream = (u: Wire<UpstreamInfo>): UpstreamInfo => ({ ...u, createdAt: new Date(u.createdAt) });
const date = (v: string | null) => (v === null ? null : new Date(v));

export async function remoteCreateKey(server: RunningServer, k: NewKey): Promise<{ key: ApiKey; secret: string }> {
  const { key, secret } = await (await call(server, "/v1/keys", { body: k })).json() as { key: Wire<ApiKey>; secret: string };
  return { key: revive(key), secret };
}

export async function remoteKeys(server: RunningServer): Promise<ApiKey[]> {
  return ((await (await call(server, "/v1/keys")).json()) as { keys: Wire<ApiKey>[] }).keys.map(revive);
}

export async function remoteRevokeKey(server: RunningServer, id: string): Promise<ApiKey> {
  return revive(((await (await call(server, `/v1/keys/${encodeURIComponent(id)}`, { method: "DELETE" })).json()) as { key: Wire<ApiKey> }).key);
}

export async function remoteAddUpstream(server: RunningServer, u: AddUpstream): Promise<UpstreamInfo> {
  return reviveUpstream(((await (await call(server, "/v1/upstreams", { body: u })).json()) as { upstream: Wire<UpstreamInfo> }).upstream);
}

export async function remoteUpstreams(server: RunningServer): Promise<UpstreamInfo[]> {
  const { upstreams } = (await (await call(server, "/v1/upstreams")).json()) as { upstreams: Wire<UpstreamInfo>[] };
  return upstreams.map(reviveUpstream);
}

export async function remoteRemoveUpstream(server: RunningServer, name: string): Promise<void> {
  await call(server, `/v1/upstreams/${name.split("/").map(encodeURIComponent).join("/")}`, { method: "DELETE" });
}
