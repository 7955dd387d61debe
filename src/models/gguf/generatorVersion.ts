import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

let version: string | undefined;

/**
 * A short hash of the generator's own source (this folder), for caches of generated files (the
 * test models, the benchmark models): a changed generator must never be served an old file.
 */
export function generatorVersion(): string {
  const dir = import.meta.dirname;
  version ??= createHash("sha256").update(readdirSync(dir).sort().map((f) => readFileSync(join(dir, f), "utf8")).join("\0")).digest("hex").slice(0, 8);
  return version;
}
