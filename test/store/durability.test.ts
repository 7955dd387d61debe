import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, expect, it } from "vitest";
import { FreeholdError } from "../../src/errors.ts";
import { openDb } from "../../src/store/db.ts";
import { ModelsRepo } from "../../src/store/repos/models.ts";
import { copyPgliteTemplate } from "./pgliteTemplate.ts";

const fixture = fileURLToPath(new URL("./fixtures/insert-and-ack.ts", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "freehold-durable-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("PGlite keeps an acknowledged write when the process is SIGKILLed mid-write", async () => {
  const dataDir = join(dir, "db");
  await copyPgliteTemplate(dataDir);
  const child = spawn(process.execPath, ["--import", "tsx", fixture, dataDir], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_code, signal) => resolve(signal)));
  let out = "";
  let err = "";
  child.stderr.on("data", (c: Buffer) => (err += c));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (c: Buffer) => {
      out += c;
      if (out.includes("acked")) resolve();
    });
    void exited.then(() => reject(new Error(`child exited before acking:\n${err}`)));
  });

  // While the writer lives, a second process must be refused the folder.
  const refused = await openDb({ dataDir }).catch((e: unknown) => e);
  expect(refused).toBeInstanceOf(FreeholdError);

  child.kill("SIGKILL");
  expect(await exited).toBe("SIGKILL");

  const db = await openDb({ dataDir }); // stale lock from the dead pid is taken over
  try {
    const rec = await new ModelsRepo(db).getByName("durable");
    expect(rec).toMatchObject({ name: "durable", sizeBytes: 5_000_000_000 });
  } finally {
    await db.close();
  }
});
