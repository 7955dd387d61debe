import { Worker } from "node:worker_threads";

/**
 * A worker thread for a module next to the caller (`new URL("./x.ts", import.meta.url)`):
 * TypeScript entries start through tsBoot.mjs (see there), compiled ones directly.
 */
export function spawnWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry);
  return new Worker(new URL("./tsBoot.mjs", import.meta.url), { workerData: { entry: entry.href } });
}
