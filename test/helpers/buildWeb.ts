/**
 * Vitest global setup: rebuilds web/dist when any web source is newer than the build, so browser
 * tests never run against a stale app. (`npm install` builds it once through `prepare`.)
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith("dist") || e.name === "node_modules") continue;
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export default function setup(): void {
  const web = join(process.cwd(), "web");
  const built = join(web, "dist", "index.html");
  if (existsSync(built) && statSync(built).mtimeMs >= newest(web)) return;
  // Built aside and swapped in, so a test run elsewhere never sees a half-emptied web/dist.
  const aside = join(web, `dist.${process.pid}`), old = join(web, `dist.old.${process.pid}`);
  execFileSync(process.execPath, [join(process.cwd(), "node_modules/vite/bin/vite.js"), "build", "--config", "web/vite.config.ts", "--logLevel", "warn", "--outDir", aside], {
    stdio: "inherit", env: { ...process.env, NODE_ENV: "production" }, // vitest sets "test": React's development build
  });
  if (existsSync(join(web, "dist"))) renameSync(join(web, "dist"), old);
  renameSync(aside, join(web, "dist"));
  rmSync(old, { recursive: true, force: true });
}
