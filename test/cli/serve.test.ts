import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import OpenAI from "openai";
import { afterAll, describe, expect, test } from "vitest";

let child: ChildProcess | undefined;
afterAll(() => { child?.kill("SIGKILL"); });

/** Starts `freehold serve` as a user would and resolves with its URL from the startup line. */
function serve(home: string): Promise<{ url: string; stderr: () => string }> {
  child = spawn(process.execPath, [resolve("bin/freehold.js"), "--home", home, "serve", "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve did not start:\n${err}`)), 60_000);
    child!.stderr!.on("data", (d) => {
      err += d;
      const m = /listening on (http:\/\/[^\s]+)/.exec(err);
      if (m) { clearTimeout(timer); ok({ url: m[1], stderr: () => err }); }
    });
    child!.on("exit", (code) => fail(new Error(`serve exited ${code}:\n${err}`)));
  });
}

describe("freehold serve on a fresh data folder", () => {
  test("first start creates the labelled demo model; /health answers; the demo model chats; SIGTERM stops cleanly", async () => {
    const { url, stderr } = await serve(mkdtempSync(join(tmpdir(), "fh-serve-")));
    expect(stderr()).toMatch(/created demo model "demo-random-tiny" \(random weights/);
    expect(await (await fetch(`${url}/health`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${url}/ready`)).status).toBe(200);

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: "none" });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain("demo-random-tiny");
    const r = await client.chat.completions.create({ model: "demo-random-tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 5 });
    expect(r.usage!.completion_tokens).toBeGreaterThan(0);

    const exited = new Promise<number | null>((r) => child!.on("exit", r));
    child!.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
