/**
 * bin/build.mjs: src/ precompiled to dist/ so `freehold` runs without tsx (see the memory section
 * of BENCHMARKS.md). The real sources are built into a scratch root and run with plain Node;
 * the freshness stamp is checked on a small tree of its own.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, expect, test } from "vitest";
import { build, isFresh } from "../../bin/build.mjs";

const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), "fh-build-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test("dist/ is fresh only while it matches every file under src/", async () => {
  const root = join(scratch, "tiny");
  mkdirSync(join(root, "src", "sql"), { recursive: true });
  writeFileSync(join(root, "src", "b.ts"), "export interface Shape { n: number }\nexport const double = (s: Shape): number => s.n * 2;\n");
  writeFileSync(join(root, "src", "a.ts"), 'import { double, type Shape } from "./b.ts";\nconst s: Shape = { n: 21 };\nconsole.log(double(s));\n');
  writeFileSync(join(root, "src", "sql", "001.sql"), "SELECT 1;\n");
  writeFileSync(join(root, "package.json"), '{ "type": "module" }\n');

  expect(isFresh(root)).toBe(false);
  expect(await build(root)).toBe(true);
  expect(isFresh(root)).toBe(true);
  expect((await run(process.execPath, [join(root, "dist", "src", "a.js")])).stdout).toBe("42\n");
  expect(readFileSync(join(root, "dist", "src", "sql", "001.sql"), "utf8")).toBe("SELECT 1;\n");

  const later = new Date(Date.now() + 5000);
  utimesSync(join(root, "src", "b.ts"), later, later); // an edit
  expect(isFresh(root)).toBe(false);
  expect(await build(root)).toBe(true);
  writeFileSync(join(root, "src", "c.ts"), "export {};\n"); // a new file
  expect(isFresh(root)).toBe(false);
});

test("the real sources, built, serve with plain Node", async () => {
  const root = join(scratch, "real");
  mkdirSync(root);
  for (const name of ["src", "package.json", "node_modules"]) symlinkSync(resolve(name), join(root, name));
  expect(await build(root)).toBe(true);

  const home = join(scratch, "home");
  const list = await run(process.execPath, [join(root, "dist", "src", "cli", "main.js"), "--home", home, "list"], { timeout: 60_000 });
  expect(list.stdout + list.stderr).not.toMatch(/error/i);

  const child = spawn(process.execPath, [join(root, "dist", "src", "cli", "main.js"), "--home", home, "serve", "--port", "0", "--no-demo"], { stdio: ["ignore", "ignore", "pipe"] });
  try {
    const url = await new Promise<string>((ok, fail) => {
      let err = "";
      child.stderr!.on("data", (d) => {
        err += d;
        const m = /listening on (http:\/\/\S+)/.exec(err);
        if (m) ok(m[1]);
      });
      child.once("exit", (code) => fail(new Error(`serve exited ${code}:\n${err}`)));
    });
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { info: { version: string } };
    expect(doc.info.version).toBe(JSON.parse(readFileSync("package.json", "utf8")).version);
  } finally {
    child.kill("SIGKILL");
  }
}, 120_000);
