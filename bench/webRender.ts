/**
 * Rendering cost of a long streamed answer in the real chat page (issue 5: the UI stays
 * responsive while a 5,000-token answer streams). Chromium drives /chat against a real server
 * whose model is a scripted upstream streaming ~5,000 tokens of mixed Markdown (paragraphs,
 * lists, tables, code blocks), once with the page as built (deltas batched per animation frame,
 * memoised messages, <Markdown streaming> re-rendering only its last block) and once with the
 * page's naive baseline (localStorage flag, web/src/pages/chat/naive.tsx: every delta rendered
 * at once, the whole pane re-rendered, the whole answer re-parsed, highlighted and sanitised),
 * alternating, in the same run.
 *
 * The page is a production build made for the bench in a temp folder (web/dist is left alone);
 * Playwright serves its files and everything under /app/api goes to the real server.
 *
 *   npm run bench -- webRender      (--quick: 1,500 tokens, 1 round; --dry-run: print, don't write)
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Browser, BrowserContext } from "playwright-core";
import { hasChromium, launchBrowser } from "../test/helpers/browser.ts";
import { startScriptedUpstream } from "../test/helpers/scriptedUpstream.ts";
import { startServer } from "../test/helpers/server.ts";
import { machine, table, writeSection } from "./lib/report.ts";

const ROOT = resolve(import.meta.dirname, "..");
const NAIVE_FLAG = "freehold.bench.naiveChat"; // web/src/pages/chat/naive.tsx
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; object-src 'none'";
const TYPES: Record<string, string> = { ".js": "text/javascript", ".css": "text/css", ".html": "text/html", ".svg": "image/svg+xml", ".map": "application/json" };

/** Mixed Markdown cut into ~`tokens` pieces the way the scripted upstream cuts text (a word and its spaces). */
export function longAnswer(tokens: number): string[] {
  const words = "the model streams tokens while the page keeps rendering each block of markdown as it arrives with lists code and tables".split(" ");
  const w = (i: number, n: number) => Array.from({ length: n }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(" ");
  const sections: string[] = [];
  for (let i = 0; sections.join("\n\n").split(/\s+/).length < tokens; i++) {
    sections.push(`## Part ${i + 1}: ${w(i, 4)}`);
    sections.push(`${w(i, 40)}. **${w(i + 1, 3)}** and \`${words[i % words.length]}()\` ${w(i + 2, 30)}.`);
    sections.push(Array.from({ length: 5 }, (_, k) => `${k + 1}. ${w(i + k, 8)} *${words[k]}*`).join("\n"));
    sections.push(["```ts", `export function step${i}(input: number[]): number {`, "  let total = 0;",
      `  for (const x of input) total += x * ${i + 1}; // ${w(i, 5)}`, "  return total;", "}", "```"].join("\n"));
    sections.push(`| field | value |\n| --- | --- |\n| tokens | ${i * 100} |\n| ${words[i % words.length]} | ${w(i, 3)} |`);
    sections.push(`${w(i + 3, 50)}.`);
  }
  const pieces = sections.join("\n\n").match(/\S+\s*|\s+/g)!;
  return pieces.slice(0, tokens);
}

interface Sample {
  variant: "batched (as built)" | "naive";
  wallMs: number; scriptMs: number; layoutStyleMs: number; taskMs: number;
  longestTaskMs: number; longTasks: number; maxFrameGapMs: number; slowFrames: number; frames: number;
  domUpdates: number; slowestKeyMs: number; keys: number;
}

function buildProductionBundle(): string {
  const out = mkdtempSync(join(tmpdir(), "fh-bench-web-"));
  execFileSync(process.execPath, [join(ROOT, "node_modules/vite/bin/vite.js"), "build", "--config", join(ROOT, "web/vite.config.ts"),
    "--outDir", out, "--emptyOutDir", "--logLevel", "warn"], { stdio: "inherit", env: { ...process.env, NODE_ENV: "production" } });
  return out;
}

/** A signed-in context whose page files come from `dist` and whose API calls reach the server. */
async function contextFor(browser: Browser, url: string, dist: string, naive: boolean): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } });
  await context.route((u) => !u.pathname.startsWith("/app/api/"), async (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = join(dist, path.startsWith("/assets/") ? path : "index.html");
    if (!existsSync(file)) return route.fulfill({ status: 404, body: "not found" });
    return route.fulfill({ status: 200, body: readFileSync(file), headers: { "content-type": TYPES[extname(file)] ?? "application/octet-stream", "content-security-policy": CSP } });
  });
  await context.addInitScript(([flag, on]) => { if (on) localStorage.setItem(flag as string, "1"); else localStorage.removeItem(flag as string); }, [NAIVE_FLAG, naive] as const);
  const res = await context.request.post(`${url}/app/api/login`, { data: { email: "bench@example.org", password: "correct horse battery" } });
  if (!res.ok()) throw new Error(`login: ${res.status()} ${await res.text()}`);
  return context;
}

async function measure(context: BrowserContext, variant: Sample["variant"], prompt: string): Promise<Sample> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto("/chat?model=scripted");
  const box = page.getByLabel("Message", { exact: true });
  await box.waitFor();
  await page.getByLabel("Model").locator('option[value="scripted"]').waitFor({ state: "attached" });
  const cdp = await context.newCDPSession(page);
  await cdp.send("Performance.enable");
  const metric = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value])) as Record<string, number>;

  // A string, not a function: tsx would wrap named functions in a helper the page does not have.
  await page.evaluate(PROBE);
  const before = await metric();
  const t0 = performance.now();
  await box.fill(prompt);
  await box.press("Enter");
  await page.locator(".chat-streaming").waitFor({ state: "attached" });
  // Type into the composer while the answer streams: how long does a keypress take to show?
  let keys = 0, streaming = true;
  const typing = (async () => {
    while (streaming) {
      await page.keyboard.type("x");
      keys++;
      await page.waitForTimeout(250);
    }
  })();
  await page.locator(".chat-streaming").waitFor({ state: "detached", timeout: 600_000 });
  await page.getByRole("article", { name: "Assistant" }).locator(".code").last().waitFor();
  const wallMs = performance.now() - t0;
  streaming = false;
  await typing;
  const after = await metric();
  const b = await page.evaluate("(() => { window.__bench.running = false; return window.__bench; })()") as Record<string, number>;
  if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
  await page.close();
  const d = (k: string) => (after[k] - before[k]) * 1000;
  return {
    variant, wallMs, scriptMs: d("ScriptDuration"), layoutStyleMs: d("LayoutDuration") + d("RecalcStyleDuration"), taskMs: d("TaskDuration"),
    longestTaskMs: b.longest, longTasks: b.longTasks, maxFrameGapMs: b.maxGap, slowFrames: b.slowFrames, frames: b.frames,
    domUpdates: b.dom, slowestKeyMs: b.slowestKey, keys,
  };
}

/** In-page probes: long tasks, frame gaps, DOM updates, keypress latency (Event Timing, only ≥16 ms are reported). */
const PROBE = `(() => {
  const b = { longest: 0, longTasks: 0, maxGap: 0, slowFrames: 0, frames: 0, running: true, dom: 0, slowestKey: 0 };
  window.__bench = b;
  new PerformanceObserver((l) => { for (const e of l.getEntries()) { b.longTasks++; b.longest = Math.max(b.longest, e.duration); } }).observe({ type: "longtask" });
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (e.name === "keydown") b.slowestKey = Math.max(b.slowestKey, e.duration); })
    .observe({ type: "event", durationThreshold: 16 });
  new MutationObserver(() => { b.dom++; }).observe(document.querySelector(".chat-page"), { childList: true, subtree: true, characterData: true });
  let last = performance.now();
  const frame = (t) => {
    const gap = t - last;
    last = t;
    b.frames++;
    if (gap > b.maxGap) b.maxGap = gap;
    if (gap > 50) b.slowFrames++;
    if (b.running) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})()`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b), m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function report(samples: Sample[], m: { load1: number; rounds: number; pieces: string[]; chunkDelayMs: number }): string {
  const B = "batched (as built)", N = "naive";
  const of = (v: Sample["variant"]) => samples.filter((s) => s.variant === v);
  const med = (v: Sample["variant"], k: keyof Sample) => median(of(v).map((s) => s[k] as number));
  const worst = (v: Sample["variant"], k: keyof Sample) => Math.max(...of(v).map((s) => s[k] as number));
  const ms = (x: number) => `${Math.round(x).toLocaleString("en-US")} ms`;
  const rows = ([B, N] as const).map((v) => [
    v, ms(med(v, "wallMs")), ms(med(v, "scriptMs")), ms(med(v, "layoutStyleMs")), ms(med(v, "taskMs")),
    Math.round(med(v, "domUpdates")).toLocaleString("en-US"),
    worst(v, "longTasks") ? ms(worst(v, "longestTaskMs")) : "none over 50 ms", worst(v, "longTasks"),
    ms(worst(v, "maxFrameGapMs")), worst(v, "slowFrames"), worst(v, "slowestKeyMs") ? ms(worst(v, "slowestKeyMs")) : "< 16 ms",
  ]);
  const ratio = (k: keyof Sample, f: (v: Sample["variant"], k: keyof Sample) => number = med) =>
    Math.round(f(N, k) / Math.max(1, f(B, k))).toLocaleString("en-US");
  const text = m.pieces.join("");
  const n = m.rounds;
  return [
    "## Web chat: rendering a 5,000-token streamed answer",
    "",
    `Machine: ${machine()}; load average at start ${m.load1.toFixed(2)}. Method: \`bench/webRender.ts\`; Chromium ` +
      `(headless, 1280×800) on the real /chat page (a production build of web/) against a real server whose model is a scripted ` +
      `upstream streaming ${m.pieces.length.toLocaleString("en-US")} tokens (${text.length.toLocaleString("en-US")} characters of ` +
      `Markdown: headings, paragraphs, numbered lists, tables and ${text.split("\`\`\`ts").length - 1} code blocks) ` +
      `${m.chunkDelayMs} ms apart, i.e. far faster than a model on this machine, to stress the page. Measured from pressing Enter ` +
      "until the streaming answer is replaced by the stored one (its final highlighted render included). Main-thread time from CDP " +
      "\`Performance.getMetrics\` (ScriptDuration, LayoutDuration + RecalcStyleDuration, TaskDuration) before/after; DOM updates = " +
      "MutationObserver callbacks on the page (≈ React commits); long tasks from a \`longtask\` PerformanceObserver; frame gaps from " +
      "a requestAnimationFrame loop; a key is typed into the composer every 250 ms during the stream and its Event Timing duration " +
      "(input delay + handlers + next paint; only ≥ 16 ms is reported) recorded. " +
      `**Batched** is the page as built; **naive** is the same page with \`localStorage["${NAIVE_FLAG}"]="1"\` ` +
      "(web/src/pages/chat/naive.tsx): each delta rendered at once instead of once per frame, the whole conversation pane " +
      "re-rendered per delta, and the whole answer re-parsed, highlighted and sanitised each time. " +
      `${n} alternating round${n > 1 ? "s" : ""} of each after a warm-up: totals are medians, the responsiveness columns the worst round.`,
    "",
    table(["variant", "stream wall time", "scripting", "layout + style", "all main-thread tasks", "DOM updates", "longest task",
      "long tasks (>50 ms)", "longest frame gap", "frames > 50 ms", "slowest keypress"], rows),
    "",
    `Naive / batched: scripting ×${ratio("scriptMs")}, layout + style ×${ratio("layoutStyleMs")}, all main-thread work ` +
      `×${ratio("taskMs")}, stream wall time ×${ratio("wallMs")}, longest frame gap ×${ratio("maxFrameGapMs", worst)}. ` +
      `Batched scripting is ${(med(B, "scriptMs") / med(B, "domUpdates")).toFixed(1)} ms per DOM update. The naive page renders ` +
      "synchronously for every delta, so deltas that arrive together are rendered one after another in a task that never " +
      "yields: the page freezes until it has caught up (its longest task is most of the stream), and typed keys wait as long. " +
      "The batched page re-renders only the streaming answer, once per frame, and components/Markdown.tsx re-lexes only " +
      "from the start of its last block.",
  ].join("\n");
}

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  if (!hasChromium) throw new Error("no Chromium: apt-get install chromium, or set CHROMIUM_PATH");
  const tokens = opts.quick ? 1500 : 5000;
  const rounds = opts.quick ? 1 : 2;
  const load1 = loadavg()[0];
  const dist = buildProductionBundle();
  const pieces = longAnswer(tokens);
  const chunkDelayMs = 2;
  const up = await startScriptedUpstream(() => ({ chunks: pieces, chunkDelayMs }));
  const srv = await startServer({ models: {} });
  const b = await launchBrowser();
  try {
    await srv.app.upstreams.add({ name: "scripted", baseUrl: up.url });
    const signup = await fetch(`${srv.url}/app/api/signup`, { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "bench@example.org", password: "correct horse battery", displayName: "Bench" }) });
    if (signup.status !== 201) throw new Error(`signup: ${signup.status}`);
    const contexts = { batched: await contextFor(b.browser, srv.url, dist, false), naive: await contextFor(b.browser, srv.url, dist, true) };
    // Warm-up (JIT, caches, the upstream connection), not counted.
    await measure(contexts.batched, "batched (as built)", "warm up");
    const samples: Sample[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const v of r % 2 ? (["naive", "batched"] as const) : (["batched", "naive"] as const)) {
        const s = await measure(contexts[v], v === "naive" ? "naive" : "batched (as built)", `Write the long report, round ${r + 1}`);
        console.error(`[bench] webRender: ${JSON.stringify(s)}`);
        samples.push(s);
      }
    }
    const md = report(samples, { load1, rounds, pieces, chunkDelayMs });
    if (!opts.dryRun) writeSection("webRender", md);
    return md;
  } finally {
    await b.close();
    await srv.close();
    await up.close();
    rmSync(dist, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
  setTimeout(() => process.exit(0), 500).unref();
}
