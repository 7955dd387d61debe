/**
 * PGlite has no postmaster.pid: two processes can open one data folder and silently diverge
 * (measured with 0.5.16). A pid file makes the second opener fail loudly instead. The file also
 * records the owner's start time, because pids repeat: a restarted container's server is pid 1
 * again, and must not mistake the lock its crashed predecessor left for a live one.
 */
import { linkSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FreeholdError } from "../errors.ts";
import { ownerAlive, parseOwner, thisProcess } from "../processOwner.ts";

const held = new Set<string>();

/** Takes `<dir>/freehold.pid`; returns the release function. A lock left by a dead process is taken over. */
export function lockDir(dir: string): () => void {
  const real = realpathSync(dir);
  if (held.has(real)) throw new FreeholdError("unavailable", `database folder ${dir} is already open in this process`);
  const file = join(real, "freehold.pid");
  const me = thisProcess();
  for (let attempt = 0; attempt < 2; attempt++) {
    // Written aside, then hard-linked into place: the lock appears atomically, never half-written.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(me));
    try {
      linkSync(tmp, file);
      held.add(real);
      return () => {
        held.delete(real);
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let owner;
      try {
        owner = parseOwner(readFileSync(file, "utf8")); // unreadable: stale
      } catch {}
      if (owner && owner.pid !== process.pid && ownerAlive(owner))
        throw new FreeholdError("unavailable", `database folder ${dir} is in use by process ${owner.pid}`);
      rmSync(file, { force: true }); // stale: its owner died without closing
    } finally {
      rmSync(tmp, { force: true });
    }
  }
  throw new FreeholdError("unavailable", `could not lock database folder ${dir}`);
}
