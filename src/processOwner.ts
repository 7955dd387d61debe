import { readFileSync } from "node:fs";

/**
 * Who holds a lock file: a pid and that process's start time. Pids repeat (a restarted
 * container's server is pid 1 again), so a pid alone would make a crashed owner's lock look
 * live forever; the start time tells the new process from the dead one.
 */
export interface ProcessOwner {
  pid: number;
  /** Clock ticks since boot (Linux); null where /proc is missing. */
  start: string | null;
}

/** Start time of a process in clock ticks since boot (Linux); null where /proc is missing. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? null; // field 22
  } catch {
    return null;
  }
}

export const thisProcess = (): ProcessOwner => ({ pid: process.pid, start: startTime(process.pid) });

/** A lock file's text: `{"pid","start"}`, or a bare pid (written before start times were kept). */
export function parseOwner(text: string): ProcessOwner | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === "number" && Number.isInteger(v) && v > 0) return { pid: v, start: null };
    const o = v as Partial<ProcessOwner> | null;
    if (o && Number.isInteger(o.pid) && o.pid! > 0) return { pid: o.pid!, start: typeof o.start === "string" ? o.start : null };
  } catch {} // unreadable: no owner
  return undefined;
}

/** Whether the owner still runs: the pid exists and, where known, started when the owner did. */
export function ownerAlive(owner: ProcessOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EPERM") return false; // EPERM: exists, not ours
  }
  return owner.start === null || startTime(owner.pid) === owner.start;
}
