/**
 * Playwright (playwright-core) driving Debian's Chromium against a real server. No browser can be
 * downloaded here, so the executable is /usr/bin/chromium (installed by .ci/run) or
 * $CHROMIUM_PATH; without it the browser tests are skipped with a loud message.
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`\n*** SKIPPING browser tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH) ***\n`);

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

export interface Browsing {
  browser: Browser;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<Browsing> {
  // The flags keep Chromium off the network: this machine refuses outside connections.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"],
  });
  return { browser, close: () => browser.close() };
}

/** A fresh browser context (its own cookies) on the server, failing the test on page errors. */
export async function newPage(browser: Browser, baseURL: string, viewport = DESKTOP): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ baseURL, viewport });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return { context, page, errors };
}

/** Signs up through the form and lands on the chat page. */
export async function signUp(page: Page, who: { email: string; name?: string; password?: string; invite?: string }): Promise<void> {
  await page.goto("/signup");
  await page.getByLabel("Name").fill(who.name ?? who.email.split("@")[0]);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(who.password ?? "correct horse battery");
  if (who.invite) await page.getByLabel("Invite code").fill(who.invite);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(/\/chat/);
}

export async function signIn(page: Page, email: string, password = "correct horse battery"): Promise<void> {
  await page.goto("/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/chat/);
}

/** Waits until the locator's element is visible (vitest has no Playwright matchers). */
export async function visible(locator: Locator, timeout = 30_000): Promise<void> {
  await locator.first().waitFor({ state: "visible", timeout });
}

/** Writes screenshots/<name>.png for reviewers (not committed: screenshots/ is git-ignored). */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(process.cwd(), "screenshots");
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: false });
}
