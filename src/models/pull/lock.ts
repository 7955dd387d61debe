import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { conflict } from "../../errors.ts";
import { ownerAlive, parseOwner, thisProcess } from "../../processOwner.ts";

async function create(tmp: string, lockPath: string, me: string) {
  try {
    await link(tmp, lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw err;
    await writeFile(lockPath, me, { flag: "wx" }); // filesystems without hard links
  }
}

/**
 * Takes `<partial>.lock` so two pulls of the same file (other process, or same process twice)
 * never append to one partial. The lock holds the owner's pid and start time; a lock whose owner
 * died (or whose pid now belongs to another process) is stale and taken over, so a killed pull
 * does not block the next one. Returns the release function.
 */
export async function lockPartial(partialPath: string): Promise<() => Promise<void>> {
  const lockPath = `${partialPath}.lock`;
  const tmp = `${lockPath}.${process.pid}.${Date.now()}`;
  // Written aside then hard-linked: the lock appears atomically with its owner already inside.
  const me = JSON.stringify(thisProcess());
  await writeFile(tmp, me);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await create(tmp, lockPath, me);
        return () => unlink(lockPath).catch(() => {});
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const owner = parseOwner(await readFile(lockPath, "utf8").catch(() => ""));
      if (owner && ownerAlive(owner)) break;
      await unlink(lockPath).catch(() => {});
    }
    throw conflict(`another download of this file is in progress (lock ${lockPath}); if none is, delete the lock`);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}
