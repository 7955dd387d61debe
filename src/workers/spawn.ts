import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
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

/**
 * Runs a module next to the caller in a child `node` process, as spawnWorker does in a thread
 * (its `.js` twin from the build, else the TypeScript through tsx's loader), and returns what it
 * printed. For one-off work whose memory must not stay in the server: a process gives all of it
 * back when it exits, while a thread leaves pages in the allocator (~8 MB for zod's, measured).
 */
export async function runNode(entry: URL, args: string[] = []): Promise<string> {
  const file = COMPILED ? [fileURLToPath(entry.href.replace(/\.ts$/, ".js"))]
    : ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href, fileURLToPath(entry)];
  const child = spawn(process.execPath, [...file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => { out += c; });
  child.stderr.setEncoding("utf8").on("data", (c: string) => { err = (err + c).slice(-4000); });
  const code = await new Promise<number | null>((ok, fail) => child.once("error", fail).once("close", ok));
  if (code !== 0) throw new Error(`${basename(entry.pathname)} exited with ${code}: ${err.trim()}`);
  return out;
}
