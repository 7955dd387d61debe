/**
 * Evals in Chromium: import a small suite (a bad line first: its error names the line), start a
 * run comparing the two generated models, watch it finish and read the comparison: per-model
 * means with CIs and the paired difference.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchBrowser, newPage, PHONE, screenshot, signUp, visible, type Browsing } from "../helpers/browser.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

// Scores that do not depend on the random weights: each model picks exactly one letter for the
// same question, so it scores 1 on exactly one of the three choice cases; the regex matches any
// answer. Both means are (1 + 1) / 4. Where the two models pick different letters they disagree.
const choice = (answer: string) => ({ id: `italy-${answer}`, prompt: "Capital of Italy?", choices: ["Paris", "Rome", "Oslo"], answer, scorer: { type: "choice" } });
const SUITE = [choice("A"), choice("B"), choice("C"), { id: "any", prompt: "Say anything", expected: "[\\s\\S]*", scorer: { type: "regex" } }]
  .map((c) => JSON.stringify(c)).join("\n");

describe.skipIf(!hasChromium)("evals (Chromium)", () => {
  let srv: TestServer;
  let b: Browsing;
  beforeAll(async () => { srv = await startServer(); b = await launchBrowser(); });
  afterAll(async () => { await b?.close(); await srv?.close(); });

  it("imports a suite, runs it on two generated models and shows the comparison", async () => {
    const { page, errors } = await newPage(b.browser, srv.url);
    await signUp(page, { email: "ada@example.org", name: "Ada" });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Evals" }).click();
    await visible(page.getByRole("heading", { name: "Evals", exact: true }));
    await visible(page.getByRole("cell", { name: "sycophancy (built-in)" }));

    await page.getByText("Import a suite (JSONL)").click();
    await page.getByLabel("Suite name").fill("smoke.jsonl");
    await page.getByLabel("Cases (JSONL)").fill(`${SUITE}\n{"id": "broken"`);
    await page.getByRole("button", { name: "Import suite" }).click();
    await visible(page.getByRole("alert"));
    expect(await page.getByRole("alert").textContent()).toMatch(/^smoke\.jsonl:5: not valid JSON/);
    await page.getByLabel("Cases (JSONL)").fill(SUITE);
    await page.getByRole("button", { name: "Import suite" }).click();
    await visible(page.getByRole("cell", { name: "smoke.jsonl" }));
    expect(await page.getByRole("combobox", { name: "Suite", exact: true }).locator("option:checked").textContent()).toBe("smoke.jsonl (4 cases)");
    await screenshot(page, "evals-desktop");

    await page.getByRole("checkbox", { name: "tiny local", exact: true }).check();
    await page.getByRole("checkbox", { name: "tiny-moe local", exact: true }).check();
    await page.getByRole("button", { name: "Start run" }).click();
    await page.waitForURL(/\/evals\/runs\//);
    await visible(page.getByLabel("Run status").getByText("succeeded"), 120_000);

    expect(await page.getByRole("progressbar", { name: "tiny progress" }).getAttribute("aria-valuenow")).toBe("4");
    expect(await page.getByRole("progressbar", { name: "tiny-moe progress" }).getAttribute("aria-valuenow")).toBe("4");
    const scores = page.getByRole("region", { name: "Scores" });
    await visible(scores);
    const rows = scores.getByRole("row");
    expect(await rows.count()).toBe(3); // header + two models
    expect(await rows.nth(1).getByRole("cell").first().textContent()).toBe("tiny");
    expect(await rows.nth(2).getByRole("cell").first().textContent()).toBe("tiny-moe");
    for (const i of [1, 2]) {
      expect(await rows.nth(i).getByRole("cell").nth(1).textContent()).toBe("0.500"); // mean
      expect(await rows.nth(i).getByRole("cell").nth(4).textContent()).toBe("4"); // cases scored
    }
    const pairs = page.getByRole("region", { name: "Paired differences" });
    const pair = pairs.getByRole("row").filter({ hasText: "tiny − tiny-moe" });
    await visible(pair);
    const disagree = Number(await pair.getByRole("cell").nth(3).textContent());
    expect([0, 2]).toContain(disagree); // the same letter, or two different ones
    if (disagree) {
      // Side by side: each model's picked letter and its score, scored by log-probabilities.
      const panel = page.getByRole("region", { name: "Where tiny and tiny-moe disagree" });
      await visible(panel.getByText("score 1.00"));
      expect(await panel.getByRole("listitem").count()).toBe(disagree);
      expect(await panel.getByText("logprobs").count()).toBe(2 * disagree);
    }
    await screenshot(page, "evals-run-desktop");

    // The same run on a phone, and back to the list where it shows as succeeded.
    const phone = await newPage(b.browser, srv.url, PHONE);
    await phone.context.addCookies(await page.context().cookies());
    await phone.page.goto(page.url());
    await visible(phone.page.getByRole("region", { name: "Scores" }));
    await screenshot(phone.page, "evals-run-phone");
    await page.getByRole("link", { name: "← All evals" }).click();
    await visible(page.getByRole("region", { name: "Runs" }).getByText("succeeded"));
    // Building from the feed with nothing shared says so.
    await page.getByText("Build a suite from feedback or the feed").click();
    await page.getByRole("button", { name: "Build suite" }).click();
    await visible(page.getByRole("alert"));
    expect(await page.getByRole("alert").textContent()).toMatch(/no shared answers match/);
    expect(errors).toEqual([]);
    expect(phone.errors).toEqual([]);
  }, 180_000);
});
