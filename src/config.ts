import { homedir } from "node:os";
import { join, resolve } from "node:path";

/** Where Freehold keeps its data: `--home`, else FREEHOLD_HOME, else ~/.freehold. */
export function resolveHome(flag?: string): string {
  return resolve(flag ?? process.env.FREEHOLD_HOME ?? join(homedir(), ".freehold"));
}

export interface Paths {
  home: string;
  models: string; // model files, one per registered model
  downloads: string; // partial downloads (resumable), renamed into models/ when verified
  db: string; // PGlite data folder (unused when DATABASE_URL is set)
}

export function pathsFor(home: string): Paths {
  return { home, models: join(home, "models"), downloads: join(home, "downloads"), db: join(home, "db") };
}
