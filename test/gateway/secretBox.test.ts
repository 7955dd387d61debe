import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { SecretBox } from "../../src/secrets/secretBox.ts";

test("secrets are AES-GCM sealed under a 0600 key file created on first use", async () => {
  const home = mkdtempSync(join(tmpdir(), "fh-secret-"));
  const box = new SecretBox(home);
  const sealed = await box.encrypt("sk-very-secret");
  expect(sealed).not.toContain("sk-very-secret");
  expect(await box.encrypt("sk-very-secret")).not.toBe(sealed); // fresh IV each time
  expect(statSync(join(home, "secret.key")).mode & 0o777).toBe(0o600);
  expect(await new SecretBox(home).decrypt(sealed)).toBe("sk-very-secret");

  const [v, iv, tag, data] = sealed.split(":");
  const flipped = Buffer.from(data, "base64url");
  flipped[0] ^= 1;
  await expect(box.decrypt([v, iv, tag, flipped.toString("base64url")].join(":"))).rejects.toThrow(/cannot decrypt/);

  const other = mkdtempSync(join(tmpdir(), "fh-secret-"));
  writeFileSync(join(other, "secret.key"), readFileSync(join(home, "secret.key"), "utf8").replace(/^./, (c) => (c === "A" ? "B" : "A")));
  await expect(new SecretBox(other).decrypt(sealed)).rejects.toThrow(/not the key/);
});
