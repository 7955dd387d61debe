import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { expect, test } from "vitest";
import { openApp } from "../../src/app.ts";

const run = promisify(execFile);
const bin = resolve("bin/freehold.js");
const KEY = "sk-cli-SECRET-777";

async function freehold(home: string, ...args: string[]) {
  try {
    const r = await run(process.execPath, [bin, "--home", home, ...args], { timeout: 60_000, env: { ...process.env, FREEHOLD_HOME: "" } });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e: any) {
    return { code: e.code as number, out: `${e.stdout}${e.stderr}` };
  }
}

test("freehold upstream add / list / rm, with config.json upstreams read-only", async () => {
  const home = mkdtempSync(join(tmpdir(), "fh-up-cli-"));
  writeFileSync(join(home, "config.json"), JSON.stringify({ upstreams: [{ name: "from-config", baseUrl: "http://10.0.0.9:8000", apiKey: "env:REMOTE_KEY" }] }));

  const add = await freehold(home, "upstream", "add", "gpt", "--base-url", "https://user:pw@api.example.com/v1", "--api-key", KEY, "--remote-model", "gpt-4o-mini");
  expect(add.code).toBe(0);
  expect(add.out).toContain("added upstream gpt");
  expect(await freehold(home, "upstream", "add", "env-one", "--base-url", "http://h:1", "--api-key-env", "MY_KEY")).toMatchObject({ code: 0 });
  expect(await freehold(home, "upstream", "add", "gpt", "--base-url", "http://h:1")).toMatchObject({ code: 1, out: expect.stringContaining("already exists") });

  const list = await freehold(home, "upstream", "list");
  expect(list.out).toMatch(/^gpt\s+gpt-4o-mini\s+https:\/\/api\.example\.com\/v1\s+encrypted\s+store$/m);
  expect(list.out).toMatch(/^env-one\s+env-one\s+http:\/\/h:1\/v1\s+env:MY_KEY\s+store$/m);
  expect(list.out).toMatch(/^from-config\s+from-config\s+http:\/\/10\.0\.0\.9:8000\/v1\s+env:REMOTE_KEY\s+config$/m);
  const json = await freehold(home, "upstream", "list", "--json");
  for (const out of [add.out, list.out, json.out]) {
    expect(out).not.toContain(KEY);
    expect(out).not.toContain("pw@");
  }
  expect(statSync(join(home, "secret.key")).mode & 0o777).toBe(0o600);

  expect(await freehold(home, "upstream", "rm", "from-config")).toMatchObject({ code: 1, out: expect.stringContaining("config.json") });
  expect(await freehold(home, "upstream", "rm", "env-one")).toMatchObject({ code: 0 });

  // The stored key decrypts to the original with <home>/secret.key, and only with it.
  const app = await openApp({ home });
  try {
    const [row] = await app.db.query<{ api_key_encrypted: string }>("SELECT api_key_encrypted FROM upstreams WHERE name = 'gpt'");
    expect(row.api_key_encrypted).not.toContain(KEY);
    expect(readFileSync(join(home, "secret.key"), "utf8")).not.toContain(KEY);
    expect((await app.gateway.list()).map((m) => [m.name, m.kind])).toEqual([["from-config", "upstream"], ["gpt", "upstream"]]);
  } finally {
    await app.close();
  }
});
