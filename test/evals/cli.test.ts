/** `freehold eval build` through the real CLI, on a store the test fills. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openApp } from "../../src/app.ts";
import { parseSuite } from "../../src/evals/suite.ts";
import { cliRunner } from "../helpers/cli.ts";

const home = mkdtempSync(join(tmpdir(), "fh-evals-cli-"));
let answerId = "";

const freehold = cliRunner(home);

beforeAll(async () => {
  // One rated conversation, written straight into the store (the CLI cannot run beside a server on PGlite).
  const app = await openApp({ home });
  try {
    const user = await app.accounts.createUser({ email: "a@example.com", displayName: "A", password: "correct horse battery", role: "admin" });
    const c = await app.chat.repo.create({ ownerId: user.id, title: "t", model: "m" });
    const q = await app.chat.repo.addMessage({ conversationId: c.id, parentId: null, role: "user", content: "2 + 2?", model: "m", params: {} });
    const a = await app.chat.repo.addMessage({ conversationId: c.id, parentId: q.id, role: "assistant", content: "4", model: "m", params: {} });
    await app.chat.repo.setLeaf(c.id, a.id);
    await app.feedback.record({ userId: user.id, messageId: a.id, model: "m", params: {}, kind: "thumbs_up" });
    answerId = a.id;
  } finally {
    await app.close();
  }
}, 60_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

test("eval build --from feedback writes a suite that parses back; bad options are refused", async () => {
  const out = join(home, "liked.jsonl");
  const r = await freehold("eval", "build", "--from", "feedback", "--rating", "up", "--out", out);
  expect(r.code).toBe(0);
  expect(r.stderr).toMatch(/1 cases written/);
  expect(parseSuite(readFileSync(out, "utf8")).cases).toEqual([expect.objectContaining({
    id: `feedback-${answerId}`, prompt: "2 + 2?", expected: "4", scorer: { type: "normalized", options: {} },
  })]);
  const stdout = await freehold("eval", "build", "--from", "feedback");
  expect(parseSuite(stdout.stdout).cases).toHaveLength(1);

  const none = await freehold("eval", "build", "--from", "feedback", "--rating", "down");
  expect(none.code).not.toBe(0);
  expect(none.stderr).toMatch(/no answers rated down/);
  const bad = await freehold("eval", "build", "--from", "feedback", "--rating", "sideways");
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toMatch(/one of up, down/);
}, 120_000);
