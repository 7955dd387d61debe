#!/usr/bin/env node
/**
 * `npm run build` (also run by `npm install`, as `prepare`): src/ → dist/src/ as plain
 * JavaScript, so `freehold` runs without tsx. tsx's loader is a second thread with esbuild and a
 * source map per module: ~85 MB of the idle server's resident memory (bench/memory.ts).
 *
 * Types are only stripped (TypeScript's per-file transpiler, relative `.ts` imports rewritten to
 * `.js`); checking them is `npm run typecheck`'s job. dist/ mirrors src/ file for file: every
 * other file (SQL, text, the .ts sources themselves) is copied beside the JavaScript, and
 * dist/package.json and dist/web link to the real ones, so paths built from import.meta.url
 * resolve as they do from src/.
 *
 * bin/freehold.js runs dist/ only while its stamp matches src/ exactly (every file's path, size
 * and mtime); after any edit it falls back to tsx, so a stale build never runs.
 */
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Bumped when the output's layout changes, so older builds count as stale. */
const FORMAT = 1;

function files(dir, base = dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files(path, base, out);
    else out.push(relative(base, path));
  }
  return out.sort();
}

/** Hash of every file under `<root>/src`: path, size, mtime. */
export function signature(root = ROOT) {
  const src = join(root, "src");
  const hash = createHash("sha256").update(`format ${FORMAT}\n`);
  for (const file of files(src)) {
    const st = statSync(join(src, file));
    hash.update(`${file}\t${st.size}\t${st.mtimeMs}\n`);
  }
  return hash.digest("hex");
}

/** True when `<root>/dist` was built from the current src/. */
export function isFresh(root = ROOT) {
  try {
    return readFileSync(join(root, "dist", ".stamp"), "utf8") === signature(root);
  } catch {
    return false;
  }
}

/** Builds `<root>/dist`; returns false (and says why) when TypeScript is not installed. */
export async function build(root = ROOT) {
  let ts;
  try {
    ts = (await import("typescript")).default;
  } catch {
    console.error("freehold build: TypeScript is not installed; freehold will run from src/ through tsx");
    return false;
  }
  const stamp = signature(root); // before reading: an edit made meanwhile leaves the build stale
  const src = join(root, "src");
  const out = join(root, "dist");
  const work = `${out}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  const options = {
    module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true,
    rewriteRelativeImportExtensions: true, sourceMap: true,
  };
  try {
    for (const file of files(src)) {
      const from = join(src, file);
      const to = join(work, "src", file);
      mkdirSync(dirname(to), { recursive: true });
      copyFileSync(from, to);
      if (!file.endsWith(".ts") || file.endsWith(".d.ts")) continue;
      const js = to.slice(0, -3) + ".js";
      const { outputText, sourceMapText } = ts.transpileModule(readFileSync(from, "utf8"), { compilerOptions: options, fileName: from });
      writeFileSync(js, outputText);
      writeFileSync(`${js}.map`, sourceMapText);
    }
    symlinkSync("../package.json", join(work, "package.json"));
    symlinkSync("../web", join(work, "web"));
    writeFileSync(join(work, ".stamp"), stamp);
    // Swap in whole: a reader sees the old build, no build (so tsx), or the new one.
    const old = `${out}.old-${process.pid}`;
    try {
      renameSync(out, old);
    } catch (err) {
      if (err.code !== "ENOENT") throw err;
    }
    try {
      renameSync(work, out);
    } catch (err) {
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err; // a concurrent build won
    }
    rmSync(old, { recursive: true, force: true });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const t = performance.now();
  if (await build()) console.error(`freehold build: dist/ in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
