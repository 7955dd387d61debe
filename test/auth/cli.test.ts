import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { openApp } from "../../src/app.ts";
import { cliRunner } from "../helpers/cli.ts";

const home = mkdtempSync(join(tmpdir(), "fh-keys-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const freehold = cliRunner(home, "keys");

test("keys create prints the secret once; list never shows it; revoke marks the key", async () => {
  const created = await freehold("create", "--name", "ci bot", "--scopes", "inference,models", "--rate", "60", "--token-quota", "5000", "--expires", "30");
  expect(created.code).toBe(0);
  const secret = created.stdout.trim();
  expect(secret).toMatch(/^fh_[0-9A-Za-z]{8}_[0-9A-Za-z]{40}$/); // stdout is the secret alone
  const id = secret.split("_")[1];
  expect(created.stderr).toMatch(new RegExp(`created key ${id} "ci bot" \\(scopes: inference,models, expires`));
  expect(created.stderr).toMatch(/shown only this once/);

  const list = await freehold("list");
  expect(list.stdout).toMatch(/^ID\s+NAME\s+SCOPES/m);
  expect(list.stdout).toMatch(new RegExp(`^${id}\\s+ci bot\\s+inference,models\\s+60\\s+0/5000`, "m"));
  const json = await freehold("list", "--json");
  for (const out of [list.stdout + list.stderr, json.stdout + json.stderr]) {
    expect(out).not.toContain(secret.split("_")[2]);
    expect(out).not.toMatch(/fh_|hash/);
  }
  expect(JSON.parse(json.stdout)[0]).toMatchObject({ id, name: "ci bot", revokedAt: null });

  const revoked = await freehold("revoke", id);
  expect(revoked.stdout).toMatch(`revoked ${id}`);
  expect(JSON.parse((await freehold("list", "--json")).stdout)[0].revokedAt).not.toBeNull();

  // The revoked secret no longer authenticates (same data folder, through the library).
  const app = await openApp({ home });
  try {
    await expect(app.auth.authenticate(secret)).rejects.toThrow(/revoked/);
  } finally {
    await app.close();
  }
}, 120_000);

test("clear errors: unknown scope, bad numbers, unknown id", async () => {
  const scope = await freehold("create", "--name", "x", "--scopes", "root");
  expect(scope.code).toBe(1);
  expect(scope.stderr).toMatch(/^error: unknown scope 'root'/);
  expect((await freehold("create", "--name", "x", "--rate", "0")).stderr).toMatch(/--rate must be a positive number/);
  const missing = await freehold("revoke", "nope1234");
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/^error: no API key with id 'nope1234'/);
}, 120_000);
