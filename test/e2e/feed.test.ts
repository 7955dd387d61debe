/**
 * Discover in Chromium: an admin invites a second user; the first shares an answer and a whole
 * conversation; the second sees them, likes one (count and "Most liked" order follow), tries a
 * prompt with another model; the author unshares and the item is gone for everyone.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "../api/app/client.ts";
import { hasChromium, launchBrowser, newPage, PHONE, screenshot, signIn, signUp, visible, type Browsing } from "../helpers/browser.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";

const PROMPT = "What is the capital of France?";
const ANSWER = "The capital of France is **Paris**.\n\n- population: about 2 million\n- river: the Seine";
const CONV_PROMPT = "Write a haiku about llamas";
// The conversation's answer tries to run script in the readers' browsers: the feed must not let it.
const PAYLOAD = 'Soft wool on the hills <img src="x" onerror="window.__pwned=1"> <a href="javascript:window.__pwned=2">calm</a>';

describe.skipIf(!hasChromium)("discover feed (Chromium)", () => {
  let srv: TestServer;
  let up: ScriptedUpstream;
  let b: Browsing;
  let ada: Client;
  let answerShareId: string;

  beforeAll(async () => {
    up = await startScriptedUpstream((req) => {
      const last = req.body?.messages?.at(-1)?.content ?? "";
      return { text: last.includes("haiku") ? PAYLOAD : last.includes("France") ? ANSWER : "Glad to help." };
    });
    srv = await startServer();
    await srv.app.upstreams.add({ name: "scripted", baseUrl: up.url });
    b = await launchBrowser();
  });
  afterAll(async () => { await b?.close(); await srv?.close(); await up?.close(); });

  it("shows an empty state, then what the organisation shared; likes, sorts, tries a prompt and unshares", async () => {
    // Ada signs up first (admin) and invites Bob through the admin page.
    const A = await newPage(b.browser, srv.url);
    await signUp(A.page, { email: "ada@example.org", name: "Ada" });
    await A.page.goto("/feed");
    await visible(A.page.getByRole("heading", { name: "Nothing shared yet" }));
    await screenshot(A.page, "feed-empty-desktop");
    await A.page.goto("/admin");
    await A.page.getByRole("button", { name: "Create invite" }).click();
    const link = A.page.getByLabel("Sign-up link");
    await visible(link);
    const invite = new URL(await link.inputValue()).searchParams.get("invite")!;
    expect(invite.length).toBeGreaterThan(20);

    const B = await newPage(b.browser, srv.url);
    await signUp(B.page, { email: "bob@example.org", name: "Bob", invite });

    // Ada's answer and conversation are made over the API (not to depend on streaming timing),
    // then shared with the chat page's own buttons.
    ada = new Client(srv.url);
    await ada.login("ada@example.org", "correct horse battery");
    const c1 = (await ada.json("POST", "/app/api/conversations", { model: "scripted" }, 201)).conversation.id;
    const answer = (await ada.stream(`/app/api/conversations/${c1}/messages`, { content: PROMPT })).at(-1).message;
    expect(answer.content).toBe(ANSWER);
    const c2 = (await ada.json("POST", "/app/api/conversations", { model: "scripted" }, 201)).conversation.id;
    await ada.stream(`/app/api/conversations/${c2}/messages`, { content: CONV_PROMPT });
    await ada.stream(`/app/api/conversations/${c2}/messages`, { content: "Thanks!" });
    await A.page.goto(`/chat/${c1}`);
    await visible(A.page.getByText("population: about 2 million"));
    await A.page.getByRole("button", { name: "Share", exact: true }).click();
    await visible(A.page.getByText("Shared to Discover"));
    await A.page.goto(`/chat/${c2}`);
    await visible(A.page.getByText("Thanks!"));
    await A.page.getByRole("button", { name: "Share conversation" }).click();
    await visible(A.page.getByText("Conversation shared to Discover"));
    const shares = (await ada.json("GET", "/app/api/feed")).items;
    expect(shares.map((i: { conversationId: string | null }) => i.conversationId)).toEqual([c2, null]);
    answerShareId = shares[1].id;

    // Bob sees both, newest first: the conversation, then the answer.
    await B.page.goto("/feed");
    const items = B.page.getByRole("article");
    await visible(items.filter({ hasText: PROMPT }));
    expect(await items.count()).toBe(2);
    expect(await items.nth(0).textContent()).toContain(CONV_PROMPT);
    const shared = items.filter({ hasText: PROMPT });
    expect(await shared.textContent()).toContain("Ada");
    expect(await shared.textContent()).toContain("scripted");
    expect(await shared.locator(".markdown strong").textContent()).toBe("Paris"); // rendered Markdown
    expect(await shared.locator(".markdown li").count()).toBe(2);
    // The conversation shows its first exchange, then all of it when asked.
    const conv = items.filter({ hasText: CONV_PROMPT });
    expect(await conv.textContent()).not.toContain("Thanks!");
    await conv.getByRole("button", { name: /Show the whole conversation/ }).click();
    await visible(conv.getByText("Thanks!"));
    expect(await conv.locator("img").count()).toBe(0); // the onerror payload lost its image
    expect(await conv.getByText("calm").count()).toBe(1); // the link's text stays…
    expect(await conv.locator('[href^="javascript:"]').count()).toBe(0); // …its javascript: target does not
    expect(await B.page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await B.page.getByRole("button", { name: "Unshare" }).count()).toBe(0); // not Bob's to remove

    // Like: the count follows, survives a reload, and "Most liked" puts the answer first.
    const like = shared.getByRole("button", { name: "Like" });
    expect(await like.getAttribute("aria-pressed")).toBe("false");
    expect(await shared.locator(".feed-likes").textContent()).toBe("0 likes");
    await like.click();
    await visible(shared.getByText("1 like", { exact: true }));
    expect(await like.getAttribute("aria-pressed")).toBe("true");
    await B.page.reload();
    await visible(shared.getByText("1 like", { exact: true }));
    await B.page.getByRole("button", { name: "Most liked" }).click();
    await B.page.waitForFunction((p) => document.querySelector("article")?.textContent?.includes(p), PROMPT);
    expect(await B.page.getByRole("button", { name: "Most liked" }).getAttribute("aria-pressed")).toBe("true");
    await B.page.getByRole("button", { name: "Newest" }).click();
    await B.page.waitForFunction((p) => document.querySelector("article")?.textContent?.includes(p), CONV_PROMPT);
    await screenshot(B.page, "feed-desktop");

    // Ada's view: the like is counted and she may unshare her items.
    await A.page.goto("/feed");
    const mine = A.page.getByRole("article").filter({ hasText: PROMPT });
    await visible(mine.getByText("1 like", { exact: true }));
    expect(await A.page.getByRole("button", { name: "Unshare" }).count()).toBe(2);

    // Try this prompt, with another model: lands on a new chat prefilled from the URL.
    const models = await shared.getByLabel("Model for this prompt").locator("option").allTextContents();
    expect(models).toEqual(expect.arrayContaining(["scripted", "tiny", "tiny-moe"]));
    expect(await shared.getByLabel("Model for this prompt").inputValue()).toBe("scripted"); // the shared answer's model
    await shared.getByLabel("Model for this prompt").selectOption("tiny-moe");
    await shared.getByRole("link", { name: "Try this prompt" }).click();
    await B.page.waitForURL(/\/chat\?/);
    const url = new URL(B.page.url());
    expect(url.pathname).toBe("/chat");
    expect(url.searchParams.get("prompt")).toBe(PROMPT);
    expect(url.searchParams.get("model")).toBe("tiny-moe");
    // The chat page opens a new chat with the prompt in its composer.
    await B.page.waitForFunction((p) => (document.querySelector("textarea") as HTMLTextAreaElement | null)?.value === p, PROMPT);
    expect(await B.page.getByLabel("Message", { exact: true }).inputValue()).toBe(PROMPT);

    // Ada unshares the answer: gone from her feed at once, and from Bob's after a reload.
    await mine.getByRole("button", { name: "Unshare" }).click();
    await A.page.getByRole("article").filter({ hasText: PROMPT }).waitFor({ state: "detached" });
    expect(await A.page.getByRole("article").count()).toBe(1);
    await B.page.goto("/feed");
    await visible(B.page.getByRole("article").filter({ hasText: CONV_PROMPT }));
    expect(await B.page.getByRole("article").filter({ hasText: PROMPT }).count()).toBe(0);
    expect((await ada.req("POST", `/app/api/shares/${answerShareId}/like`, {})).status).toBe(404);

    expect(A.errors).toEqual([]);
    expect(B.errors).toEqual([]);
    await A.context.close();
    await B.context.close();
  });

  it("works on a phone", async () => {
    const { page, errors, context } = await newPage(b.browser, srv.url, PHONE);
    await signIn(page, "bob@example.org");
    await page.goto("/feed");
    const item = page.getByRole("article").filter({ hasText: CONV_PROMPT });
    await visible(item);
    const box = await item.boundingBox();
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width); // no sideways scrolling
    const scroll = await page.evaluate(() => document.querySelector(".content")!.scrollWidth);
    expect(scroll).toBeLessThanOrEqual(PHONE.width);
    await visible(item.getByRole("link", { name: "Try this prompt" }));
    await screenshot(page, "feed-phone");
    expect(errors).toEqual([]);
    await context.close();
  });
});
