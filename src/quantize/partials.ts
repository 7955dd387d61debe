import { randomUUID } from "node:crypto";
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";

/**
 * Quantizer output is written to <downloads>/quantize-<pid>-<uuid>.gguf.partial and only then
 * registered (moved into models/), so models/ never holds half a model; uploads (/api/blobs) go
 * to <downloads>/upload-<pid>-<uuid>.partial the same way. The pid in the name tells a crashed
 * process's leftovers from those of one still running.
 */
const PARTIAL = /^(?:quantize-(\d+)-[0-9a-f-]+\.gguf|upload-(\d+)-[0-9a-f-]+)\.partial$/;

export const partialPath = (downloads: string) => join(downloads, `quantize-${process.pid}-${randomUUID()}.gguf.partial`);

function alive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Deletes partial outputs whose process is gone (a crash or kill -9 mid-quantization). */
export async function sweepStalePartials(downloads: string): Promise<string[]> {
  const files = await readdir(downloads).catch(() => [] as string[]);
  const stale = files.filter((f) => {
    const m = f.match(PARTIAL);
    return m && !alive(Number(m[1] ?? m[2]));
  });
  await Promise.all(stale.map((f) => rm(join(downloads, f), { force: true })));
  return stale;
}
