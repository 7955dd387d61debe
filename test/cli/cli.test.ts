import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { testModel } from "../helpers/models.ts";
import { cliRunner } from "../helpers/cli.ts";

const home = mkdtempSync(join(tmpdir(), "fh-cli-"));

const freehold = cliRunner(home);

describe("freehold CLI", () => {
  test("import, list, show (with predicted memory), run one-shot, cp, rm", async () => {
    const imported = await freehold("import", await testModel({ shape: "tiny-moe" }), "--name", "moe");
    expect(imported.stderr).toBe("");
    expect(imported.stdout).toMatch(/imported moe \(llama, .* parameters, F32/);

    const list = await freehold("list");
    expect(list.stdout).toMatch(/^NAME\s+ARCH/m);
    expect(list.stdout).toMatch(/^moe\s+llama/m);

    const show = await freehold("show", "moe");
    expect(show.stdout).toMatch(/experts\s+4 \(2 used per token\)/);
    expect(show.stdout).toMatch(/active per token/);
    expect(show.stdout).toMatch(/memory \(predicted\)/);

    const answer = await freehold("run", "moe", "Hello", "--max-tokens", "8", "--seed", "3");
    expect(answer.code).toBe(0);
    expect(answer.stdout.length).toBeGreaterThan(0);

    expect((await freehold("cp", "moe", "moe2")).code).toBe(0);
    expect((await freehold("rm", "moe")).stdout).toMatch(/removed moe/);
    expect((await freehold("list", "--json")).stdout).toContain('"moe2"');
  }, 120_000);

  test("clear errors: unknown model, bad file, taken name", async () => {
    const unknown = await freehold("show", "nope");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: model "nope" not found/);

    const bad = join(home, "bad.gguf");
    writeFileSync(bad, "not a model");
    const badImport = await freehold("import", bad);
    expect(badImport.code).toBe(1);
    expect(badImport.stderr).toMatch(/not a valid GGUF/);
    expect(badImport.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
  }, 60_000);

  test("dev make-model registers a generated MoE model", async () => {
    const r = await freehold("dev", "make-model", "--shape", "tiny-moe", "--name", "gen-moe");
    expect(r.stdout).toMatch(/registered gen-moe: .*active/);
    expect((await freehold("list")).stdout).toMatch(/^gen-moe\s+llama/m);
  }, 60_000);
});
