/**
 * The admin area in Chromium: users (create, invite link, role, disable/enable, and what a
 * disabled user sees at sign-in) and the feedback log (filters, JSONL export).
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Page } from "playwright-core";
import { Client } from "../api/app/client.ts";
import { hasChromium, launchBrowser, newPage, PHONE, screenshot, signIn, signUp, visible, type Browsing } from "../helpers/browser.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

const PW = "correct horse battery";
const rowOf = (page: Page, email: string) => page.getByRole("row").filter({ hasText: email });
const patched = (page: Page) => page.waitForResponse((r) => r.request().method() === "PATCH" && r.url().includes("/app/api/users/") && r.ok());

describe.skipIf(!hasChromium)("admin area (Chromium)", () => {
  let srv: TestServer;
  let up: ScriptedUpstream;
  let b: Browsing;
  let admin: { page: Page; errors: string[] };

  beforeAll(async () => {
    up = await startScriptedUpstream(() => ({ text: "Madrid is the capital of France." }));
    srv = await startServer({ models: { tiny: { shape: "tiny" } } });
    await srv.app.upstreams.add({ name: "scripted", baseUrl: up.url });
    b = await launchBrowser();
    admin = await newPage(b.browser, srv.url);
    await signUp(admin.page, { email: "ada@example.org", name: "Ada" });
  });
  afterAll(async () => { await b?.close(); await srv?.close(); await up?.close(); });

  it("creates users and invites, changes roles, and disables an account so it cannot sign in", async () => {
    const { page } = admin;
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).click();
    await page.waitForURL(/\/admin$/);
    await visible(rowOf(page, "ada@example.org"));
    expect(await rowOf(page, "ada@example.org").getByRole("button", { name: "Disable" }).count()).toBe(0); // not yourself
    expect(await page.getByLabel("Role of ada@example.org").isDisabled()).toBe(true);

    // Create a user with a password.
    const form = page.getByRole("form", { name: "Create a user" });
    await form.getByLabel("Name").fill("Carol");
    await form.getByLabel("Email").fill("carol@example.org");
    await form.getByLabel("Password").fill(PW);
    await form.getByRole("button", { name: "Create user" }).click();
    await visible(page.getByRole("status").filter({ hasText: "Created carol@example.org" }));
    const carolRow = rowOf(page, "carol@example.org");
    await visible(carolRow);
    expect(await carolRow.textContent()).toContain("Active");
    expect(await page.getByLabel("Role of carol@example.org").inputValue()).toBe("member");

    // Invite: the sign-up link carries the code and pre-fills the form.
    await page.getByRole("button", { name: "Create invite" }).click();
    const link = await page.getByLabel("Sign-up link").inputValue();
    expect(link).toMatch(new RegExp(`^${srv.url}/signup\\?invite=[\\w-]{20,}$`));
    const bob = await newPage(b.browser, srv.url);
    await bob.page.goto(link);
    expect(await bob.page.getByLabel("Invite code").inputValue()).toBe(new URL(link).searchParams.get("invite"));
    await bob.page.getByLabel("Name").fill("Bob");
    await bob.page.getByLabel("Email").fill("bob@example.org");
    await bob.page.getByLabel("Password").fill(PW);
    await bob.page.getByRole("button", { name: "Sign up" }).click();
    await bob.page.waitForURL(/\/chat/);
    // A member has no Admin link and is turned away from the page.
    expect(await bob.page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Admin" }).count()).toBe(0);
    await bob.page.goto("/admin");
    await visible(bob.page.getByText("Admins only."));

    // Roles: promote Bob, which sticks across a reload; then back to member.
    await page.reload();
    await visible(rowOf(page, "bob@example.org"));
    await Promise.all([patched(page), page.getByLabel("Role of bob@example.org").selectOption("admin")]);
    await page.reload();
    await visible(rowOf(page, "bob@example.org"));
    expect(await page.getByLabel("Role of bob@example.org").inputValue()).toBe("admin");
    await Promise.all([patched(page), page.getByLabel("Role of bob@example.org").selectOption("member")]);
    await page.reload();
    await visible(rowOf(page, "bob@example.org"));
    expect(await page.getByLabel("Role of bob@example.org").inputValue()).toBe("member");
    expect((await srv.app.accounts.list()).find((u) => u.email === "bob@example.org")!.role).toBe("member");
    await screenshot(page, "admin-users-desktop");

    // Disable Carol: she is told so at sign-in; enabled again, she gets in.
    await carolRow.getByRole("button", { name: "Disable" }).click();
    await visible(carolRow.getByText("Disabled", { exact: true }));
    const carol = await newPage(b.browser, srv.url);
    await carol.page.goto("/login");
    await carol.page.getByLabel("Email").fill("carol@example.org");
    await carol.page.getByLabel("Password").fill(PW);
    await carol.page.getByRole("button", { name: "Sign in" }).click();
    const alert = carol.page.getByRole("alert");
    await visible(alert);
    expect(await alert.textContent()).toMatch(/disabled/i);
    expect(new URL(carol.page.url()).pathname).toBe("/login");
    await carolRow.getByRole("button", { name: "Enable" }).click();
    await visible(carolRow.getByText("Active", { exact: true }));
    await signIn(carol.page, "carol@example.org");

    for (const p of [admin, bob, carol]) expect(p.errors).toEqual([]);
    await bob.context.close();
    await carol.context.close();
  });

  it("lists feedback with filters and exports the filtered events as JSONL", async () => {
    // Feedback from two users on two models, given over the API as the chat page would.
    const bobApi = new Client(srv.url);
    await bobApi.login("bob@example.org", PW);
    const adaApi = new Client(srv.url);
    await adaApi.login("ada@example.org", PW);
    const ask = async (c: Client, model: string, content: string, params = {}) => {
      const id = (await c.json("POST", "/app/api/conversations", { model, params }, 201)).conversation.id;
      return (await c.stream(`/app/api/conversations/${id}/messages`, { content })).at(-1).message;
    };
    const wrong = await ask(bobApi, "scripted", "Capital of France?", { temperature: 0.2, maxTokens: 64 });
    await bobApi.json("POST", `/app/api/messages/${wrong.id}/feedback`, { kind: "thumbs_down", reasons: ["wrong", "flattering"], comment: "Paris, not Madrid" }, 201);
    const local = await ask(adaApi, "tiny", "hello", { maxTokens: 6 });
    await adaApi.json("POST", `/app/api/messages/${local.id}/feedback`, { kind: "thumbs_up" }, 201);
    await adaApi.json("POST", `/app/api/messages/${local.id}/feedback`, { kind: "copy" }, 201);

    const { page } = admin;
    await page.goto("/admin");
    await page.getByRole("navigation", { name: "Admin sections" }).getByRole("link", { name: "Feedback" }).click();
    await page.waitForURL(/\/admin\/feedback/);
    const rows = page.locator("tbody tr");
    const count = page.getByRole("status").filter({ hasText: /event/ });
    await visible(count.getByText("3 events"));
    const bobRow = rows.filter({ hasText: "Paris, not Madrid" });
    const text = await bobRow.textContent();
    for (const want of ["Bob", "thumbs down", "scripted", "Madrid is the capital of France.", "wrong", "flattering", "temp 0.2", "max tokens 64"]) expect(text).toContain(want);

    // Each filter narrows the list (and lives in the URL).
    await page.getByLabel("Kind").selectOption("thumbs_down");
    await visible(count.getByText("1 event", { exact: true }));
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain("Paris, not Madrid");
    expect(page.url()).toContain("kind=thumbs_down");
    await screenshot(page, "admin-feedback-desktop");

    // Export follows the filters: one JSONL line, the thumbs-down with its reasons and comment.
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSONL" }).click()]);
    expect(download.suggestedFilename()).toBe("feedback.jsonl");
    const lines = readFileSync((await download.path())!, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ kind: "thumbs_down", reasons: ["wrong", "flattering"], comment: "Paris, not Madrid", model: "scripted", messageId: wrong.id });

    await page.getByLabel("Kind").selectOption("");
    await visible(count.getByText("3 events"));
    await page.getByLabel("Model").selectOption("tiny");
    await visible(count.getByText("2 events"));
    expect((await rows.allTextContents()).every((t) => t.includes("tiny") && t.includes("Ada"))).toBe(true);
    await page.getByLabel("Model").selectOption("");
    await page.getByLabel("User").selectOption({ label: "Bob (bob@example.org)" });
    await visible(count.getByText("1 event", { exact: true }));
    expect(await rows.first().textContent()).toContain("Paris, not Madrid");
    await page.getByLabel("Kind").selectOption("copy");
    await visible(page.getByText("No feedback matches these filters."));

    // Two changes in one task, before the page re-renders (as a busy machine or a quick hand makes them): both stay.
    await page.getByLabel("User").selectOption("");
    await page.getByLabel("Kind").selectOption("");
    await visible(count.getByText("3 events"));
    await page.evaluate(() => {
      const pick = (label: string, value: string) => {
        const select = [...document.querySelectorAll("label")].find((l) => l.textContent?.startsWith(label))!.querySelector("select")!;
        select.value = value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      };
      pick("Kind", "thumbs_up");
      pick("Model", "tiny");
    });
    await visible(count.getByText("1 event", { exact: true }));
    expect(page.url()).toMatch(/kind=thumbs_up.*model=tiny|model=tiny.*kind=thumbs_up/);

    // Unfiltered export holds every event.
    await page.goto("/admin/feedback");
    await visible(count.getByText("3 events"));
    const [all] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Export JSONL" }).click()]);
    const kinds = readFileSync((await all.path())!, "utf8").trim().split("\n").map((l) => JSON.parse(l).kind);
    expect(kinds.sort()).toEqual(["copy", "thumbs_down", "thumbs_up"]);
    expect(admin.errors).toEqual([]);
  });

  it("works on a phone", async () => {
    const { page, errors, context } = await newPage(b.browser, srv.url, PHONE);
    await signIn(page, "ada@example.org");
    await page.goto("/admin");
    await visible(rowOf(page, "carol@example.org"));
    expect(await page.evaluate(() => document.querySelector(".content")!.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "admin-users-phone");
    await page.goto("/admin/feedback");
    await visible(page.locator("tbody tr").filter({ hasText: "Paris, not Madrid" }));
    expect(await page.evaluate(() => document.querySelector(".content")!.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await screenshot(page, "admin-feedback-phone");
    expect(errors).toEqual([]);
    await context.close();
  });
});
