import { link, readFile, unlink, writeFile } from "node:fs/promises";
import { conflict } from "../../errors.ts";

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by someone else
  }
};

async function create(tmp: string, lockPath: string) {
  try {
    await link(tmp, lockPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") throw err;
    await writeFile(lockPath, String(process.pid), { flag: "wx" }); // filesystems without hard links
  }
}

/**
 * Takes `<partial>.lock` so two pulls of the same file (other process, or same process twice)
 * never append to one partial. The lock holds the owner's pid; a lock whose owner died is stale
 * and taken over, so a killed pull does not block the next one. Returns the release function.
 */
export async function lockPartial(partialPath: string): Promise<() => Promise<void>> {
  const lockPath = `${partialPath}.lock`;
  const tmp = `${lockPath}.${process.pid}.${Date.now()}`;
  // Written aside then hard-linked: the lock appears atomically with its pid already inside.
  await writeFile(tmp, String(process.pid));
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await create(tmp, lockPath);
        return () => unlink(lockPath).catch(() => {});
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
      const pid = Number(await readFile(lockPath, "utf8").catch(() => "0"));
      if (pid > 0 && alive(pid)) break;
      await unlink(lockPath).catch(() => {});
    }
    throw conflict(`another download of this file is in progress (lock ${lockPath}); if none is, delete the lock`);
  } finally {
    await unlink(tmp).catch(() => {});
  }
}
