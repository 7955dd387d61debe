/**
 * The Arena in Chromium: two users battle two generated models; the page never shows a model's
 * name before the vote, shows both after it, and the leaderboard follows every vote.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../api/app/client.ts";
import { hasChromium, launchBrowser, newPage, PHONE, screenshot, signUp, visible, type Browsing } from "../helpers/browser.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

const NAMES = ["quokka", "narwhal"];

describe.skipIf(!hasChromium)("arena (Chromium)", () => {
  let srv: TestServer;
  let b: Browsing;

  beforeAll(async () => {
    srv = await startServer({
      models: { quokka: { shape: "tiny" }, narwhal: { shape: "tiny-moe" } },
      config: { arena: { params: { maxTokens: 12, temperature: 0 } } } as never,
    });
    b = await launchBrowser();
  });
  afterAll(async () => { await b?.close(); await srv?.close(); });

  const bodyText = async (page: Page) => (await page.locator("body").innerText()).toLowerCase();
  const expectBlind = async (page: Page) => { const t = await bodyText(page); for (const n of NAMES) expect(t).not.toContain(n); };
  /** Waits until no answer is streaming (the Stop button is gone) and the vote is open. */
  const answered = async (page: Page) => {
    await page.getByRole("button", { name: "Stop" }).waitFor({ state: "hidden", timeout: 60_000 });
    await visible(page.getByRole("button", { name: "Vote A" }));
  };
  const startBattle = async (page: Page, prompt: string) => {
    await page.goto("/arena");
    await page.getByLabel("Prompt").fill(prompt);
    await page.getByRole("button", { name: "Start battle" }).click();
    await visible(page.getByRole("region", { name: "Model A" }).getByText(prompt));
    await answered(page);
  };
  const votesOf = async (page: Page) => {
    await page.goto("/leaderboard");
    await visible(page.getByRole("table"));
    const out: Record<string, string> = {};
    for (const n of NAMES) out[n] = (await page.getByRole("row", { name: new RegExp(n) }).getByRole("cell").nth(5).textContent())!;
    return out;
  };

  it("keeps both models anonymous until the vote, reveals them after, and the leaderboard updates", async () => {
    const A = await newPage(b.browser, srv.url);
    await signUp(A.page, { email: "ada@example.org", name: "Ada" });
    const ada = new Client(srv.url);
    await ada.login("ada@example.org", "correct horse battery");
    const { token } = await ada.json("POST", "/app/api/invites", {}, 201);
    const B = await newPage(b.browser, srv.url, PHONE);
    await signUp(B.page, { email: "bob@example.org", name: "Bob", invite: token });

    // Ada: a battle with a follow-up, on a desktop.
    await startBattle(A.page, "Say hello to the world");
    await expectBlind(A.page);
    for (const side of ["Model A", "Model B"]) {
      const pane = (await A.page.getByRole("region", { name: side }).innerText()).replace("Say hello to the world", "").replace(side, "");
      expect(pane.trim().length).toBeGreaterThan(0); // an answer streamed into each pane
    }
    await A.page.getByLabel("Follow-up").fill("And now say goodbye");
    await A.page.getByRole("button", { name: "Send to both" }).click();
    for (const side of ["Model A", "Model B"]) await visible(A.page.getByRole("region", { name: side }).getByText("And now say goodbye"));
    await answered(A.page);
    await expectBlind(A.page);
    await screenshot(A.page, "arena-battle-desktop");
    await A.page.getByRole("button", { name: "Vote A" }).click();
    const reveal = A.page.getByRole("status");
    await visible(reveal);
    const revealed = (await reveal.innerText()).toLowerCase();
    for (const n of NAMES) expect(revealed).toContain(n);
    expect(revealed).toContain("counted on the leaderboard");
    await screenshot(A.page, "arena-reveal-desktop");
    expect(await votesOf(A.page)).toEqual({ quokka: "1", narwhal: "1" });

    // Bob: a battle on a phone.
    await startBattle(B.page, "What is a good name for a cat?");
    await expectBlind(B.page);
    await screenshot(B.page, "arena-battle-phone");
    await B.page.getByRole("button", { name: "Vote B" }).click();
    await visible(B.page.getByRole("status"));
    const bobText = await bodyText(B.page);
    for (const n of NAMES) expect(bobText).toContain(n);

    // Ada's leaderboard follows Bob's vote; filters narrow the votes, never the rows.
    expect(await votesOf(A.page)).toEqual({ quokka: "2", narwhal: "2" });
    await screenshot(A.page, "arena-leaderboard-desktop");
    await A.page.getByLabel("Category").selectOption("coding");
    await visible(A.page.getByRole("row", { name: /quokka.*—/ }));
    await A.page.getByLabel("Category").selectOption("");
    await A.page.getByLabel("Style control").check();
    await visible(A.page.getByText(/Style effects/));
    // An eval suite adds its own labelled column; a suite never run on these models shows dashes.
    const suite = await ada.json("POST", "/app/api/evals/suites", { name: "greetings", jsonl: '{"id":"g1","prompt":"Say hi","expected":"hi"}\n' }, 201);
    await A.page.reload();
    await A.page.getByLabel("Eval column").selectOption(suite.suite.id);
    await visible(A.page.getByRole("columnheader", { name: /Eval: greetings/ }));
    expect(await A.page.getByRole("row", { name: /quokka/ }).getByRole("cell").last().textContent()).toBe("—");
    await B.page.goto("/leaderboard");
    await visible(B.page.getByRole("table"));
    await screenshot(B.page, "arena-leaderboard-phone");
    expect(A.errors).toEqual([]);
    expect(B.errors).toEqual([]);
  });
});
