/**
 * Bradley-Terry fits with bootstrap take about half a second per 100,000 battles and 200
 * rounds (BENCHMARKS.md), so they run on one shared worker thread: a leaderboard page never
 * blocks the server. The worker starts on first use, does not keep the process alive, and
 * stops after a minute without work (a thread holds tens of MB).
 */
import type { Worker } from "node:worker_threads";
import { spawnWorker } from "../workers/spawn.ts";
import type { Leaderboard, LeaderboardOptions, ScoredBattle } from "./leaderboard.ts";
import type { FitRequest } from "./leaderboardWorker.ts";

const IDLE_MS = 60_000;
let worker: Worker | undefined;
let idle: NodeJS.Timeout | undefined;
let nextId = 0;
const pending = new Map<number, { ok(b: Leaderboard): void; no(e: Error): void }>();

function started(): Worker {
  if (worker) return worker;
  const w = spawnWorker(new URL("./leaderboardWorker.ts", import.meta.url));
  w.unref();
  w.on("message", (m: { id: number; board?: Leaderboard; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (!pending.size) {
      w.unref();
      clearTimeout(idle);
      idle = setTimeout(() => { if (!pending.size && worker === w) { worker = undefined; void w.terminate(); } }, IDLE_MS).unref();
    }
    if (m.error !== undefined) p?.no(new Error(m.error));
    else p?.ok(m.board!);
  });
  const fail = (err: Error) => {
    worker = undefined;
    for (const p of pending.values()) p.no(err);
    pending.clear();
  };
  w.on("error", fail);
  w.on("exit", (code) => { if (worker === w) fail(new Error(`leaderboard worker exited with code ${code}`)); });
  return (worker = w);
}

export function fitOffThread(allModels: string[], battles: ScoredBattle[], opts: LeaderboardOptions): Promise<Leaderboard> {
  const w = started();
  clearTimeout(idle);
  const id = nextId++;
  // While a fit is pending the worker must keep the process alive, or its answer is lost.
  w.ref();
  return new Promise((ok, no) => {
    pending.set(id, { ok, no });
    const { anchor, styleControl, rounds, seed } = opts;
    w.postMessage({ id, allModels, battles, opts: { anchor, styleControl, rounds, seed } } satisfies FitRequest);
  });
}
