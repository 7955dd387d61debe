import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { openApp, type App } from "../../src/app.ts";
import { DEMO_MODEL, ensureDemoModel } from "../../src/models/demo.ts";
import { testModel } from "../helpers/models.ts";

let app: App | undefined;
afterEach(async () => { await app?.close(); app = undefined; });

/** Each start opens the data folder afresh, as `freehold serve` does. */
async function start(home: string) {
  await app?.close();
  app = await openApp({ home });
  return { app, demo: await ensureDemoModel(app) };
}

describe("demo model", () => {
  test("made on the first start only: deleting it sticks across restarts", async () => {
    const home = mkdtempSync(join(tmpdir(), "fh-demo-"));
    const first = await start(home);
    expect(first.demo).toBe(DEMO_MODEL);
    expect((await first.app.models.list()).map((m) => m.name)).toEqual([DEMO_MODEL]);
    await first.app.models.remove(DEMO_MODEL);
    const second = await start(home);
    expect(second.demo).toBeUndefined();
    expect(await second.app.models.list()).toEqual([]);
  }, 120_000);

  test("not made when the folder already has models, nor later once they are gone", async () => {
    const home = mkdtempSync(join(tmpdir(), "fh-demo-"));
    const first = await start(home);
    await first.app.models.remove(DEMO_MODEL);
    await first.app.models.register(await testModel(), { name: "mine" });
    // A folder from before the demo was recorded: models there, nothing recorded yet.
    await first.app.db.query("DELETE FROM settings");
    expect((await start(home)).demo).toBeUndefined();
    await app!.models.remove("mine");
    expect((await start(home)).demo).toBeUndefined();
  }, 120_000);
});
