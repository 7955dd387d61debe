import { createHash, type Hash } from "node:crypto";
import { createReadStream } from "node:fs";
import { copyFile, open, rename, stat, statfs, unlink } from "node:fs/promises";
import path from "node:path";
import { FreeholdError } from "../../errors.ts";

export type StatfsFn = (dir: string) => Promise<{ bavail: number | bigint; bsize: number | bigint }>;

export const sizeOf = (file: string) => stat(file).then((s) => s.size, () => 0);

export async function hashInto(file: string, hash: Hash): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  await hashInto(file, hash);
  return hash.digest("hex");
}

const gib = (n: number) => `${(n / 2 ** 30).toFixed(2)} GiB`;

/**
 * Fails early instead of filling the disk halfway: the partial's filesystem needs the remaining
 * bytes, and the destination's too when it is another filesystem (the final move is then a copy).
 */
export async function checkSpace(
  partialPath: string,
  dest: string,
  size: number | undefined,
  have: number,
  statfsFn: StatfsFn = statfs,
): Promise<void> {
  if (size === undefined) return;
  const partialDir = path.dirname(partialPath);
  const destDir = path.dirname(dest);
  const needs: Array<[string, number]> = [[partialDir, size - have]];
  if ((await stat(partialDir)).dev !== (await stat(destDir)).dev) needs.push([destDir, size]);
  for (const [dir, need] of needs) {
    const st = await statfsFn(dir);
    const free = Number(st.bavail) * Number(st.bsize);
    if (free < need) {
      throw new FreeholdError("insufficient_storage", `not enough disk space in ${dir}: need ${gib(need)}, ${gib(free)} free`);
    }
  }
}

async function fsync(file: string, flags = "r") {
  const fh = await open(file, flags);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Durable, atomic move into place: fsync the data, rename, fsync the directory entry. */
export async function commit(partialPath: string, dest: string): Promise<void> {
  await fsync(partialPath, "r+");
  try {
    await rename(partialPath, dest);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EXDEV") throw err;
    // Different filesystems: copy next to dest first so dest still only ever appears complete.
    const tmp = path.join(path.dirname(dest), `.${path.basename(dest)}.${process.pid}.tmp`);
    try {
      await copyFile(partialPath, tmp);
      await fsync(tmp, "r+");
      await rename(tmp, dest);
    } catch (copyErr) {
      await unlink(tmp).catch(() => {});
      throw copyErr;
    }
    await unlink(partialPath);
  }
  await fsync(path.dirname(dest)).catch(() => {}); // not supported everywhere (e.g. Windows)
}
