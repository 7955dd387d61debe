/** The web app shell in Chromium: sign-up makes the first user admin, sign-out/in, routing, headers. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchBrowser, newPage, PHONE, screenshot, signIn, signUp, visible, type Browsing } from "../helpers/browser.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

describe("web app shell (HTTP)", () => {
  let srv: TestServer;
  beforeAll(async () => { srv = await startServer({ models: {} }); });
  afterAll(async () => { await srv.close(); });

  it("serves the app at / and client routes with a strict CSP", async () => {
    for (const path of ["/", "/chat/abc", "/arena"]) {
      const res = await fetch(srv.url + path, { headers: { accept: "text/html" } });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('<div id="root">');
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    }
  });

  it("never answers API paths with the app", async () => {
    const res = await fetch(srv.url + "/v1/nope", { headers: { accept: "text/html" } });
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toMatch(/no route/);
    const app = await fetch(srv.url + "/app/api/nope", { headers: { accept: "text/html" } });
    expect(app.headers.get("content-type")).toContain("application/json");
  });
});

describe.skipIf(!hasChromium)("web app shell (Chromium)", () => {
  let srv: TestServer;
  let b: Browsing;
  beforeAll(async () => { srv = await startServer({ models: {} }); b = await launchBrowser(); });
  afterAll(async () => { await b?.close(); await srv?.close(); });

  it("signs up the first user as admin, signs out and back in", async () => {
    const { page, errors } = await newPage(b.browser, srv.url);
    await page.goto("/");
    await page.waitForURL(/\/login/); // no session: sent to sign in
    await signUp(page, { email: "ada@example.org", name: "Ada" });
    await visible(page.getByRole("navigation", { name: "Main" }).getByText("Admin"));
    await screenshot(page, "shell-desktop");
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(/\/login/);
    await page.getByLabel("Password").fill("wrong password!");
    await page.getByLabel("Email").fill("ada@example.org");
    await page.getByRole("button", { name: "Sign in" }).click();
    await visible(page.getByRole("alert"));
    await signIn(page, "ada@example.org");
    expect(errors).toEqual([]);
  });

  it("collapses the navigation into a menu on a phone", async () => {
    const { page } = await newPage(b.browser, srv.url, PHONE);
    await signIn(page, "ada@example.org");
    const nav = page.getByRole("navigation", { name: "Main" });
    expect(await nav.isVisible()).toBe(false);
    await page.getByRole("button", { name: "Menu" }).click();
    await visible(nav);
    await screenshot(page, "shell-phone-menu");
  });
});
