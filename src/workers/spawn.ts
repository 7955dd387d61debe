import { Worker } from "node:worker_threads";

/** Running from the compiled build (dist/src, see bin/build.mjs) rather than through tsx. */
const COMPILED = import.meta.url.endsWith(".js");

/**
 * A worker thread for a module next to the caller (`new URL("./x.ts", import.meta.url)`):
 * from the compiled build its `.js` twin starts directly; under tsx the TypeScript entry starts
 * through tsBoot.mjs (see there).
 */
export function spawnWorker(entry: URL): Worker {
  if (!entry.pathname.endsWith(".ts")) return new Worker(entry);
  if (COMPILED) return new Worker(new URL(entry.href.replace(/\.ts$/, ".js")));
  return new Worker(new URL("./tsBoot.mjs", import.meta.url), { workerData: { entry: entry.href } });
}
