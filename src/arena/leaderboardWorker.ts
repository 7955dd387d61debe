/** Worker-thread side of leaderboardThread.ts: fits leaderboards off the server's event loop. */
import { parentPort } from "node:worker_threads";
import { computeLeaderboard, type LeaderboardOptions, type ScoredBattle } from "./leaderboard.ts";

export interface FitRequest { id: number; allModels: string[]; battles: ScoredBattle[]; opts: LeaderboardOptions }

parentPort!.on("message", (req: FitRequest) => {
  try {
    parentPort!.postMessage({ id: req.id, board: computeLeaderboard(req.allModels, req.battles, req.opts) });
  } catch (err) {
    parentPort!.postMessage({ id: req.id, error: err instanceof Error ? err.message : String(err) });
  }
});
