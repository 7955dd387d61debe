import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openApp } from "../../src/app.ts";
import { describe, expect, test } from "vitest";
import { testModel } from "../helpers/models.ts";

describe("freehold run, interactive", () => {
  test("keeps a conversation over several turns and quits on /bye", async () => {
    const home = mkdtempSync(join(tmpdir(), "fh-run-"));
    const app = await openApp({ home });
    await app.models.register(await testModel(), { name: "tiny" });
    await app.close();

    const child = spawn(process.execPath, [resolve("bin/freehold.js"), "--home", home, "run", "tiny", "--max-tokens", "4", "--seed", "1"],
      { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const waitFor = async (n: number) => {
      for (let i = 0; i < 600 && (out.match(/>>> /g)?.length ?? 0) < n; i++) await new Promise((r) => setTimeout(r, 100));
    };
    await waitFor(1);
    expect(out).toMatch(/chatting with tiny/);
    child.stdin.write("Hello\n");
    await waitFor(2);
    child.stdin.write("And again\n");
    await waitFor(3);
    child.stdin.write("/bye\n");
    const code = await new Promise<number | null>((r) => child.on("exit", r));
    expect(code).toBe(0);
    expect(out.match(/>>> /g)?.length).toBe(3);
  }, 90_000);
});
