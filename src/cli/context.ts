import type { Command } from "commander";
import { openApp, type App } from "../app.ts";

/** Opens the app for a command, using the global --home, and always closes it. */
export async function withApp<T>(cmd: Command, fn: (app: App) => Promise<T>): Promise<T> {
  const app = await openApp({ home: cmd.optsWithGlobals().home });
  try {
    return await fn(app);
  } finally {
    await app.close();
  }
}

export const formatBytes = (n: number | null | undefined) => {
  if (n == null) return "-";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return `${n.toFixed(i ? 1 : 0)} ${units[i]}`;
};

export const formatCount = (n: number | null | undefined) =>
  n == null ? "-" : n >= 1e9 ? `${(n / 1e9).toFixed(2)}B` : n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}K` : String(n);
