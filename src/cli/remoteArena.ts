/** `freehold arena` through a running server's /v1/arena routes. */
import type { Leaderboard, LeaderboardOptions } from "../arena/leaderboard.ts";
import { call } from "./remote.ts";
import type { RunningServer } from "./runningServer.ts";

export async function remoteLeaderboard(server: RunningServer, o: LeaderboardOptions): Promise<Leaderboard> {
  const q = new URLSearchParams();
  if (o.styleControl) q.set("styleControl", "true");
  if (o.category) q.set("category", o.category);
  if (o.from) q.set("from", o.from.toISOString());
  if (o.to) q.set("to", o.to.toISOString());
  if (o.rounds !== undefined) q.set("rounds", String(o.rounds));
  return (await call(server, `/v1/arena/leaderboard?${q}`)).json() as Promise<Leaderboard>;
}

export async function remoteImportBattles(server: RunningServer, jsonl: string): Promise<{ imported: number; skipped: number }> {
  return (await call(server, "/v1/arena/import", { body: { jsonl } })).json() as Promise<{ imported: number; skipped: number }>;
}

/** FastChat JSONL lines, as the local export gives them. */
export async function remoteExportBattles(server: RunningServer): Promise<string[]> {
  const text = await (await call(server, "/v1/arena/export")).text();
  return text ? text.replace(/\n$/, "").split("\n") : [];
}
