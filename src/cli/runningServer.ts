import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * `freehold serve` on the embedded database holds its lock, so other commands cannot open the
 * store while it runs. It records where it listens in <home>/server.json; the CLI then goes
 * through its API (list, show, cp, rm, pull, run) or says where it is. A file whose process is gone is ignored.
 */
export interface RunningServer {
  pid: number;
  /** Where a client on this machine reaches it, e.g. http://127.0.0.1:11435. */
  url: string;
  /** Admin access to it (src/auth/hook.ts LOCAL_CLI): the file is readable by its owner only. */
  token?: string;
}

const fileIn = (home: string) => join(home, "server.json");

/** Records this process as the server for `home`; returns the function that removes the record. */
export function recordServer(home: string, url: string, token?: string): () => void {
  const file = fileIn(home);
  writeFileSync(`${file}.${process.pid}.tmp`, JSON.stringify({ pid: process.pid, url, token } satisfies RunningServer), { mode: 0o600 });
  renameSync(`${file}.${process.pid}.tmp`, file);
  return () => { if (runningServer(home)?.pid === process.pid) rmSync(file, { force: true }); };
}

export function runningServer(home: string): RunningServer | undefined {
  let s: RunningServer;
  try {
    s = JSON.parse(readFileSync(fileIn(home), "utf8")) as RunningServer;
    if (!Number.isInteger(s.pid) || typeof s.url !== "string") return undefined;
  } catch {
    return undefined;
  }
  try {
    process.kill(s.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return undefined; // EPERM: alive, another user's
  }
  return s;
}

/** The URL a local client uses for a server bound to `host`: a wildcard address means loopback. */
export function clientUrl(host: string, port: number): string {
  const reach = host === "0.0.0.0" ? "127.0.0.1" : host === "::" ? "::1" : host;
  return `http://${reach.includes(":") ? `[${reach}]` : reach}:${port}`;
}
