import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { afterEach, expect, test } from "vitest";
import { lockDir } from "../../src/store/lock.ts";
import { parseOwner } from "../../src/processOwner.ts";

/** The data folder's pid file: a live owner refuses, a dead or replaced one is taken over. */
const dirs: string[] = [];
const newDir = () => { const d = mkdtempSync(join(tmpdir(), "fh-lock-")); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

/** A process that is running now (pid 1: init, or the container's first process). */
const live = () => ({ pid: 1, start: readFileSync("/proc/1/stat", "utf8").split(") ")[1].split(" ")[19] });

test("a live owner keeps the folder; its lock is refused with the owner's pid", () => {
  const dir = newDir();
  writeFileSync(join(dir, "freehold.pid"), JSON.stringify(live()));
  expect(() => lockDir(dir)).toThrow(/in use by process 1/);
});

test("a lock whose pid was reused by another process, or whose owner died, is taken over", () => {
  for (const stale of [{ ...live(), start: "1" }, { pid: exitedPid(), start: null }]) {
    const dir = newDir();
    writeFileSync(join(dir, "freehold.pid"), JSON.stringify(stale));
    const release = lockDir(dir);
    expect(parseOwner(readFileSync(join(dir, "freehold.pid"), "utf8"))?.pid).toBe(process.pid);
    release();
  }
});

test("lock files written as a bare pid are still read", () => {
  expect(parseOwner("1234")).toEqual({ pid: 1234, start: null });
  expect(parseOwner("not a pid")).toBeUndefined();
  expect(parseOwner('{"pid":-3}')).toBeUndefined();
});

function exitedPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}
