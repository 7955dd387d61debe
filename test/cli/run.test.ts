import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { openApp } from "../../src/app.ts";
import { answerFitting } from "../../src/cli/commands/run.ts";
import { FreeholdError } from "../../src/errors.ts";
import type { ChatMessage } from "../../src/runtime/types.ts";
import { describe, expect, test } from "vitest";
import { testModel } from "../helpers/models.ts";

const BIN = resolve("bin/freehold.js");

/** A data folder with the tiny test model registered as "tiny", and optional config.json. */
async function homeWithTiny(config?: object): Promise<string> {
  const home = mkdtempSync(join(tmpdir(), "fh-run-"));
  if (config) writeFileSync(join(home, "config.json"), JSON.stringify(config));
  const app = await openApp({ home });
  await app.models.register(await testModel(), { name: "tiny" });
  await app.close();
  return home;
}

/** `freehold run` with `input` piped to its stdin, as `printf … | freehold run tiny` does. */
function runPiped(home: string, args: string[], input: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, "--home", home, "run", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  child.stdin.end(input);
  return new Promise((r) => child.on("close", (code) => r({ code, stdout, stderr })));
}

const prompts = (out: string) => out.match(/>>> /g)?.length ?? 0;

describe("freehold run, interactive", () => {
  test("keeps a conversation over several turns and quits on /bye", async () => {
    const home = await homeWithTiny();
    const child = spawn(process.execPath, [BIN, "--home", home, "run", "tiny", "--max-tokens", "4", "--seed", "1"],
      { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const waitFor = async (n: number) => {
      for (let i = 0; i < 600 && prompts(out) < n; i++) await new Promise((r) => setTimeout(r, 100));
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
    expect(prompts(out)).toBe(3);
  }, 90_000);

  test("answers every piped line in order, then exits 0", async () => {
    const home = await homeWithTiny();
    const r = await runPiped(home, ["tiny", "--max-tokens", "4", "--seed", "1"], "hello\nhow are you\nand a third\n");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(prompts(r.stdout)).toBe(4); // one before each line, one after the last answer
  }, 90_000);

  test("ollama run's commands: /set parameter applies to the next answer, \"\"\" sends several lines as one, /clear", async () => {
    const home = await homeWithTiny();
    const input = ["hello", "/set parameter num_predict 1", "hello again", '"""', "one", "two", '"""', "/clear", "/bye"].join("\n") + "\n";
    const r = await runPiped(home, ["tiny", "--max-tokens", "40", "--seed", "1"], input);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const turns = r.stdout.split(">>> ");
    expect(turns).toHaveLength(7); // the banner, then what follows each of the 6 prompts
    expect(turns[1].trim().length).toBeGreaterThan(20); // 40 tokens
    expect(turns[2]).toBe("num_predict set to 1\n");
    expect(turns[3].trim().length).toBeLessThanOrEqual(12); // one token
    expect(turns[4]).toMatch(/^(\.\.\. ){3}/); // three more lines of one message, then one answer
    expect(turns[4].replace(/^(\.\.\. ){3}/, "").trim().length).toBeLessThanOrEqual(12);
    expect(turns[5]).toBe("conversation cleared\n");
  }, 90_000);

  test("/save keeps the conversation as a model (a preset with its messages); /load switches models; an unknown one is an error", async () => {
    const home = await homeWithTiny();
    const input = ["/set system Be brief.", "hello", "/save kept", "/load nope", "/load kept", "/show", "/bye"].join("\n") + "\n";
    const r = await runPiped(home, ["tiny", "--max-tokens", "4", "--seed", "3"], input);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("saved as kept: freehold run kept goes on from here");
    expect(r.stderr).toMatch(/^error: model "nope" not found/m);
    expect(r.stdout).toContain("chatting with kept");
    const app = await openApp({ home });
    try {
      const kept = await app.models.get("kept");
      expect(kept.preset).toMatchObject({
        system: "Be brief.", parameters: { num_predict: 4, seed: 3 },
        messages: [{ role: "user", content: "hello" }, { role: "assistant", content: expect.any(String) }],
      });
      expect(kept.path).toBe((await app.models.get("tiny")).path); // the same weights
    } finally {
      await app.close();
    }
  }, 90_000);

  test("a message too long for the context is refused and the chat goes on; a history too long loses its oldest turns", async () => {
    const home = await homeWithTiny({ runtime: { contextSize: 256 } });
    const lines = ["hi", "word ".repeat(400), ...Array.from({ length: 12 }, (_, i) => `message number ${i} with a few more words`)];
    const r = await runPiped(home, ["tiny", "--system", "be brief", "--max-tokens", "10", "--seed", "1"], lines.join("\n") + "\n");
    expect(r.code).toBe(0);
    expect(prompts(r.stdout)).toBe(lines.length + 1);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^error: .*the model's context holds 256/)]);
    expect(r.stdout.match(/older turns were dropped/g)).toHaveLength(1);
  }, 90_000);

  // Ctrl-C reaches readline as a key only on a terminal: util-linux's `script` provides one.
  const hasScript = (() => { try { execFileSync("script", ["--version"], { stdio: "ignore" }); return true; } catch { return false; } })();
  test.skipIf(!hasScript)("Ctrl-C while the model loads stops that answer and keeps the chat", async () => {
    const home = await homeWithTiny();
    const command = [process.execPath, BIN, "--home", home, "run", "tiny", "--max-tokens", "4", "--seed", "1"].map((a) => `'${a}'`).join(" ");
    const child = spawn("script", ["-qfec", command, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const waitFor = async (re: RegExp) => {
      for (let i = 0; i < 600 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 100));
    };
    await waitFor(/>>> /);
    child.stdin.write("Hello\r");
    await new Promise((r) => setTimeout(r, 20)); // the first message loads the model: seconds
    child.stdin.write("\x03");
    await waitFor(/\[stopped\]|error/);
    expect(out).toContain("[stopped]");
    expect(out).not.toMatch(/error:|AbortError/);
    child.stdin.write("Again\r");
    await waitFor(/Again[^]*>>> /);
    child.stdin.write("/bye\r");
    expect(await new Promise<number | null>((r) => child.on("exit", r))).toBe(0);
    expect(out).not.toMatch(/error:/);
  }, 90_000);
});

describe("answerFitting", () => {
  /** A model whose context holds `room` characters of content. */
  const sendWithin = (room: number) => async (messages: ChatMessage[]) => {
    const length = messages.reduce((n, m) => n + m.content.length, 0);
    if (length > room) throw new FreeholdError("context_length_exceeded", `${length} > ${room}`);
    return { text: "ok", finishReason: "stop" as const };
  };

  test("drops the oldest turns, never the system message, and records the answer", async () => {
    const history: ChatMessage[] = [
      { role: "system", content: "sys" },
      { role: "user", content: "aaaa" }, { role: "assistant", content: "bbbb" },
      { role: "user", content: "cccc" }, { role: "assistant", content: "dddd" },
    ];
    const r = await answerFitting(history, "eeee", sendWithin(3 + 8 + 4));
    expect(r.dropped).toBe(1);
    expect(history.map((m) => m.content)).toEqual(["sys", "cccc", "dddd", "eeee", "ok"]);
  });

  test("a message too long on its own leaves the history as it was", async () => {
    const history: ChatMessage[] = [{ role: "user", content: "aa" }, { role: "assistant", content: "bb" }];
    await expect(answerFitting(history, "x".repeat(50), sendWithin(20))).rejects.toThrow(/50 > 20/);
    expect(history.map((m) => m.content)).toEqual(["aa", "bb"]);
  });

  test("other errors are not retried", async () => {
    const history: ChatMessage[] = [{ role: "user", content: "aa" }, { role: "assistant", content: "bb" }];
    let calls = 0;
    const failing = async () => { calls++; throw new FreeholdError("unavailable", "busy"); };
    await expect(answerFitting(history, "cc", failing)).rejects.toThrow("busy");
    expect(calls).toBe(1);
  });
});
