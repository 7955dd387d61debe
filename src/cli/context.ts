import type { Command } from "commander";
import { openApp, type App } from "../app.ts";
import { resolveHome } from "../config.ts";
import { FreeholdError } from "../errors.ts";
import { runningServer, type RunningServer } from "./runningServer.ts";

/** Opens the app for a command, using the global --home, and always closes it. */
export async function withApp<T>(cmd: Command, fn: (app: App) => Promise<T>): Promise<T> {
  return withAppOrServer(cmd, fn);
}

/**
 * As withApp; but while `freehold serve` holds the embedded database, `remote` runs against that
 * server's HTTP API instead, and commands without one explain what to do.
 */
export async function withAppOrServer<T>(cmd: Command, local: (app: App) => Promise<T>, remote?: (server: RunningServer) => Promise<T>): Promise<T> {
  const home = resolveHome(cmd.optsWithGlobals().home);
  let app: App;
  try {
    app = await openApp({ home });
  } catch (e) {
    const owner = lockOwner(e);
    if (owner === undefined) throw e;
    const server = runningServer(home);
    if (server?.pid === owner && remote) {
      process.stderr.write(`(the database is in use by freehold serve: going through ${server.url})\n`);
      return remote(server);
    }
    const where = server?.pid === owner ? `freehold serve is running at ${server.url}` : "it may be freehold serve";
    throw new FreeholdError("unavailable", `${(e as Error).message}: ${where}. Use that server (through its API), ` +
      "stop it, or set DATABASE_URL to a PostgreSQL database that both use");
  }
  try {
    return await local(app);
  } finally {
    await app.close();
  }
}

/** The pid holding the embedded database's lock (src/store/lock.ts), when that is why opening failed. */
function lockOwner(e: unknown): number | undefined {
  const m = e instanceof FreeholdError && e.code === "unavailable" ? /in use by process (\d+)/.exec(e.message) : null;
  return m ? Number(m[1]) : undefined;
}

/** What the CLI prints for an error: our own errors' messages; a stack for anything unexpected (a bug). */
export const errorText = (e: unknown) => (e instanceof FreeholdError ? e.message : (e as Error)?.stack ?? String(e));

export const formatBytes = (n: number | null | undefined) => {
  if (n == null) return "-";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
};

export const formatCount = (n: number | null | undefined) =>
  n == null ? "-" : n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n);
