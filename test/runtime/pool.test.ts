import { copyFile, mkdtemp, rm, stat, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, test } from "vitest";
import { Runtime, type RuntimeOptions } from "../../src/runtime/index.ts";
import type { LocalModelRef } from "../../src/runtime/types.ts";
import { testModel } from "../helpers/models.ts";

let a: LocalModelRef, b: LocalModelRef, c: LocalModelRef;
let runtime: Runtime | undefined;
let perModel = 0;
/** The budget tests fix the sequence count: by default it depends on the budget itself. */
const fixed: RuntimeOptions = { sequences: 4 };
let perModel4 = 0;

const hello = [{ role: "user" as const, content: "hello" }];
/** The generator's EOS and end-of-turn tokens: banned where a test needs generation to go on. */
const noEnd = { 2: -100, 260: -100 };
const base: RuntimeOptions = { gpu: false, contextSize: 512 };
const open = (o: RuntimeOptions = {}) => (runtime = new Runtime({ ...base, ...o }));
const names = () => runtime!.ps().map((m) => m.name).sort();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  a = { name: "a", path: await testModel({ seed: 42 }) };
  b = { name: "b", path: await testModel({ seed: 7 }) };
  c = { name: "c", path: await testModel({ seed: 8 }) };
  perModel = (await new Runtime(base).predictMemory(a.path)).totalBytes;
  perModel4 = (await new Runtime({ ...base, ...fixed }).predictMemory(a.path)).totalBytes;
});
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe("model pool: keep-alive", () => {
  test("a model expires after its keep-alive; ps shows when", async () => {
    const rt = open();
    await rt.chat(a, hello, { maxTokens: 2, keepAliveMs: 300 });
    await waitFor(() => rt.ps()[0]?.busySequences === 0); // its sequence is cleared just after the answer
    const [m] = rt.ps();
    expect(m).toMatchObject({ name: "a", busySequences: 0, queueDepth: 0, sequences: 16, threads: 1 });
    expect(m.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    expect(m.predictedBytes).toBe(perModel);
    expect(m.actualBytes).toBeGreaterThan(0);
    for (let i = 0; i < 200 && rt.ps().length; i++) await sleep(50);
    expect(rt.ps()).toEqual([]);
  });

  test("keepAlive 0 unloads when the request ends; -1 keeps the model", async () => {
    const rt = open();
    await rt.chat(a, hello, { maxTokens: 2, keepAliveMs: 0 });
    expect(rt.ps()).toEqual([]);
    await rt.chat(a, hello, { maxTokens: 2, keepAliveMs: -1 });
    await sleep(400);
    expect(rt.ps()).toMatchObject([{ name: "a", expiresAt: null }]);
    expect(await rt.unload(a)).toBe(true);
    expect(rt.ps()).toEqual([]);
  });

  test("two names of one file share one loaded instance (as `cp` and presets make them); unloading either frees it", async () => {
    const rt = open();
    const alias = { ...a, name: "a-alias" };
    const loads: string[] = [];
    rt.pool.events.on("load", (e: { name: string }) => loads.push(e.name));
    await Promise.all([rt.chat(a, hello, { maxTokens: 2, keepAliveMs: -1 }), rt.chat(alias, hello, { maxTokens: 2, keepAliveMs: -1 })]);
    await rt.chat(alias, hello, { maxTokens: 2, keepAliveMs: -1 });
    expect(loads).toHaveLength(1);
    expect(rt.ps()).toHaveLength(1);
    expect(await rt.unload(alias)).toBe(true);
    expect(rt.ps()).toEqual([]);
  });

  test("a keep-alive longer than a timer can wait (Ollama's \"720h\") keeps the model instead of unloading it at once", async () => {
    const rt = open();
    await rt.chat(a, hello, { maxTokens: 2, keepAliveMs: 720 * 3600_000 });
    await sleep(400);
    expect(rt.ps()).toMatchObject([{ name: "a" }]);
  });
});

describe("model pool: memory budget", () => {
  test("loading a third model evicts the least recently used idle one", async () => {
    const rt = open({ ...fixed, memoryBudgetBytes: Math.floor(perModel4 * 2.5) });
    const unloaded: string[] = [];
    rt.events.on("unload", (e: { name: string; reason: string }) => unloaded.push(`${e.name}:${e.reason}`));
    await rt.chat(a, hello, { maxTokens: 2 });
    await rt.chat(b, hello, { maxTokens: 2 });
    await rt.chat(a, hello, { maxTokens: 2 }); // a is now more recent than b
    await rt.chat(c, hello, { maxTokens: 2 });
    expect(names()).toEqual(["a", "c"]);
    expect(unloaded).toEqual(["b:evicted"]);
    expect(rt.stats().reservedBytes).toBeLessThanOrEqual(rt.stats().budgetBytes);
  });

  test("default sequences: 16 while their context takes at most an eighth of the budget, then 8, then 4; fewer only when 4 cannot fit", async () => {
    const context16 = (await new Runtime({ ...base, sequences: 16 }).predictMemory(a.path)).kvCacheBytes;
    const total = async (sequences: number) => (await new Runtime({ ...base, sequences }).predictMemory(a.path)).totalBytes;
    const sequencesUnder = async (budget: number) => (await new Runtime({ ...base, memoryBudgetBytes: budget }).predictMemory(a.path)).sequences;
    expect(await sequencesUnder(context16 * 8)).toBe(16);
    expect(await sequencesUnder(context16 * 8 - 8)).toBe(8);
    expect(await sequencesUnder(await total(4))).toBe(4);
    expect(await sequencesUnder((await total(4)) - 1)).toBe(2);
    expect(await sequencesUnder(await total(1))).toBe(1);
    expect(await sequencesUnder(1)).toBe(1);
    expect((await new Runtime({ ...base, sequences: 2, memoryBudgetBytes: 1 }).predictMemory(a.path)).sequences).toBe(2);
  });

  test("a model that fits only with fewer sequences loads with them instead of being refused", async () => {
    const two = (await new Runtime({ ...base, sequences: 2 }).predictMemory(a.path)).totalBytes;
    const rt = open({ memoryBudgetBytes: two });
    const r = await rt.chat(a, hello, { maxTokens: 2 });
    expect(r.usage.completionTokens).toBeGreaterThan(0);
    expect(rt.ps()[0]).toMatchObject({ name: "a" });
    expect(rt.stats().reservedBytes).toBeLessThanOrEqual(two);
  });

  test("a file truncated since it was registered is named as such when it fails to load", async () => {
    const dir = await mkdtemp(join(tmpdir(), "fh-trunc-"));
    try {
      const path = join(dir, "cut.gguf");
      await copyFile(a.path, path);
      const { size } = await stat(path);
      await truncate(path, size - 24);
      const rt = open();
      await expect(rt.chat({ name: "cut", path, sizeBytes: size }, hello)).rejects.toMatchObject({
        code: "unavailable", message: expect.stringMatching(new RegExp(`is ${size - 24} bytes but was ${size} when it was registered.*pull or import it again`)),
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("a model larger than the whole budget is refused", async () => {
    const rt = open({ ...fixed, memoryBudgetBytes: Math.floor(perModel4 * 0.5) });
    await expect(rt.chat(a, hello)).rejects.toMatchObject({ code: "model_too_large", message: expect.stringMatching(/budget/) });
    expect(rt.ps()).toEqual([]);
  });

  test("no room because the other model is busy: unavailable with a retry hint", async () => {
    // A long context keeps model a generating (~2000 tokens) well past b's admission.
    const big = (await new Runtime({ ...base, ...fixed, contextSize: 2048 }).predictMemory(a.path)).totalBytes;
    const rt = open({ ...fixed, contextSize: 2048, memoryBudgetBytes: Math.floor(big * 1.5) });
    const ac = new AbortController();
    const busy = rt.chat(a, hello, { signal: ac.signal, logitBias: noEnd });
    await waitFor(() => rt.ps()[0]?.busySequences === 1);
    await expect(rt.chat(b, hello, { maxTokens: 2 })).rejects.toMatchObject({ code: "unavailable", details: { retryAfterSeconds: 5 } });
    ac.abort();
    await busy.catch(() => undefined);
  });
});

describe("model pool: sequences, queue, cancellation", () => {
  test("four simultaneous chats run as sequences of one load", async () => {
    const rt = open();
    let loads = 0;
    rt.events.on("load", () => loads++);
    const results = await Promise.all([1, 2, 3, 4].map((seed) => rt.chat(a, hello, { maxTokens: 20, seed })));
    expect(loads).toBe(1);
    expect(results.every((r) => r.usage.completionTokens === 20)).toBe(true);
    await waitFor(() => rt.ps()[0]?.busySequences === 0);
    expect(rt.ps()).toMatchObject([{ busySequences: 0, activeRequests: 0 }]);
    // Sequences are cleared between requests: a rerun matches a fresh run exactly.
    const again = await rt.chat(a, hello, { maxTokens: 20, seed: 1 });
    expect(again.text).toBe(results[0].text);
  });

  test("with one sequence and a queue of one, a third request is rate limited", async () => {
    const rt = open({ sequences: 1, queueLimit: 1 });
    const all = [1, 2, 3].map((seed) => rt.chat(a, hello, { maxTokens: 30, seed }));
    const settled = await Promise.allSettled(all);
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    expect((settled[2] as PromiseRejectedResult).reason).toMatchObject({ code: "rate_limited", details: { retryAfterSeconds: expect.any(Number) } });
    expect((settled[1] as PromiseFulfilledResult<{ timings: { queueMs: number } }>).value.timings.queueMs).toBeGreaterThan(0);
  });

  test("aborting mid-generation ends promptly and frees the sequence", async () => {
    const rt = open({ sequences: 1 });
    const ac = new AbortController();
    let deltas = 0;
    const t0 = performance.now();
    const r = await rt.chat(a, hello, { maxTokens: 1000, logitBias: noEnd, signal: ac.signal, onDelta: () => { if (++deltas === 3) ac.abort(); } });
    expect(r.finishReason).toBe("cancelled");
    expect(r.usage.completionTokens).toBeLessThan(50);
    await waitFor(() => rt.ps()[0]?.busySequences === 0);
    const next = await rt.complete(a, "hi", { maxTokens: 2 });
    expect(next.timings.queueMs).toBeLessThan(20);
    expect(performance.now() - t0).toBeLessThan(5000);
  });

  test("a request aborted while queued leaves the queue at once", async () => {
    const rt = open({ sequences: 1, queueLimit: 4 });
    await rt.chat(a, hello, { maxTokens: 1 }); // loaded
    const first = rt.complete(a, "x", { maxTokens: 200 });
    const ac = new AbortController();
    const queued = rt.complete(a, "y", { maxTokens: 5, signal: ac.signal });
    await waitFor(() => rt.ps()[0]?.queueDepth === 1);
    ac.abort(new Error("client went away"));
    await expect(queued).rejects.toThrow("client went away");
    expect(rt.ps()[0].queueDepth).toBe(0);
    await first;
  });
});

describe("model pool: shutdown", () => {
  test("close ends running and queued requests, frees models and refuses new work", async () => {
    const rt = open({ sequences: 1, queueLimit: 2 });
    let started!: () => void;
    const streaming = new Promise<void>((r) => (started = r));
    const running = rt.chat(a, hello, { maxTokens: 2000, logitBias: noEnd, onDelta: () => started() });
    const queued = rt.chat(a, hello, { maxTokens: 5 });
    const settled = Promise.allSettled([running, queued]);
    await streaming;
    await rt.close();
    const [r, q] = await settled;
    expect(r.status === "rejected" || (r.value.finishReason === "cancelled")).toBe(true);
    expect(q).toMatchObject({ status: "rejected", reason: { code: "unavailable" } });
    expect(rt.ps()).toEqual([]);
    await expect(rt.chat(a, hello)).rejects.toMatchObject({ code: "unavailable" });
  });
});

async function waitFor(check: () => boolean, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error("condition not reached");
    await sleep(2);
  }
}
