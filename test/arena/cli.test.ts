import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerArena } from "../../src/cli/commands/arena.ts";
import { copyPgliteTemplate } from "../store/pgliteTemplate.ts";

const home = mkdtempSync(join(tmpdir(), "fh-arena-cli-"));

/** Runs the arena commands in-process (a child process per command costs seconds on a busy box). */
async function freehold(...args: string[]) {
  const program = new Command("freehold").option("--home <dir>").exitOverride();
  registerArena(program);
  const out: string[] = [], err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ") + "\n"));
  const error = vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ") + "\n"));
  const write = vi.spyOn(process.stdout, "write").mockImplementation((s) => (out.push(String(s)), true));
  try {
    await program.parseAsync(["--home", home, ...args], { from: "user" });
    return { code: 0, stdout: out.join(""), stderr: err.join("") };
  } catch (e) {
    return { code: 1, stdout: out.join(""), stderr: err.join("") + (e as Error).message };
  } finally {
    log.mockRestore(); error.mockRestore(); write.mockRestore();
  }
}

let t = 1.7e9;
const line = (a: string, b: string, winner: string, extra = {}) =>
  JSON.stringify({ model_a: a, model_b: b, winner, tstamp: t++, judge: "u1", turn: 1, anony: true, language: "English", ...extra });

beforeAll(async () => {
  delete process.env.DATABASE_URL; // this file's own PGlite, never a shared server
  await copyPgliteTemplate(join(home, "db")); // skips a 10 s initdb
});
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("freehold arena", () => {
  it("imports FastChat JSONL, shows the leaderboard, exports the same votes", async () => {
    const file = join(home, "votes.jsonl");
    writeFileSync(file, [line("qwen", "llama", "model_a"), line("qwen", "llama", "tie"), line("llama", "qwen", "model_b"),
      line("gemma", "qwen", "model_a", { anony: false, category: "coding" })].join("\n"));
    const imported = await freehold("arena", "import", file);
    expect(imported.stdout).toMatch(/imported 4 battle/);

    const board = await freehold("arena", "leaderboard", "--style-control");
    expect(board.stdout).toMatch(/^RANK\s+MODEL\s+RATING\s+95% CI\s+VOTES/m);
    expect(board.stdout).toMatch(/^1\s+qwen\s+\d+/m);
    expect(board.stdout).toMatch(/^-\s+gemma\s+-\s+-\s+0/m); // its only vote did not count, yet it is listed
    expect(board.stdout).toMatch(/style coefficients: length/);
    const json = JSON.parse((await freehold("arena", "leaderboard", "--json", "--category", "coding")).stdout);
    expect(json.rows.map((r: { model: string; votes: number }) => [r.model, r.votes])).toEqual([["gemma", 0], ["llama", 0], ["qwen", 0]]);

    const later = JSON.parse((await freehold("arena", "leaderboard", "--json", "--from", "2100-01-01")).stdout);
    expect(later.rows.map((r: { votes: number }) => r.votes)).toEqual([0, 0, 0]); // dates narrow the votes, never the list
    const window = JSON.parse((await freehold("arena", "leaderboard", "--json", "--from", "2023-11-14T22:13:20Z", "--to", "2023-11-14T22:13:22Z")).stdout);
    expect(Object.fromEntries(window.rows.map((r: { model: string; votes: number }) => [r.model, r.votes]))).toEqual({ qwen: 2, llama: 2, gemma: 0 });

    const out = join(home, "out.jsonl");
    await freehold("arena", "export", out);
    const lines = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.model_a, l.model_b, l.winner, l.anony, l.language])).toEqual([
      ["qwen", "llama", "model_a", true, "English"], ["qwen", "llama", "tie", true, "English"],
      ["llama", "qwen", "model_b", true, "English"], ["gemma", "qwen", "model_a", false, "English"],
    ]);

    writeFileSync(file, `${line("a", "b", "model_a")}\n{"model_a": "a"}\n`);
    const bad = await freehold("arena", "import", file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/line 2: 'model_b'/);
  });
});
