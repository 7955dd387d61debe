import { LlamaLogLevel } from "node-llama-cpp";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import { getLlama } from "../../src/runtime/llama.ts";
import type { LocalModelRef } from "../../src/runtime/types.ts";
import { testModel } from "../helpers/models.ts";

/**
 * Concurrent requests must share llama.cpp decode steps. Counted where it happens: llama.cpp's
 * batch allocator logs every micro-batch it splits a decode call into when LLAMA_BATCH_DEBUG is
 * set (read when a context is created), so the test sees the real number of forward passes.
 * Sequences whose ids are out of order or not consecutive land in separate micro-batches, and a
 * decode dispatched before every stream has queued its next token holds only some of them:
 * either regression shows up as micro-batches approaching one per generated token.
 */
const EOG_BAN = { 2: -100, 260: -100 }; // the generator's EOS and EOT: every stream runs to maxTokens
let runtime: Runtime;
let tiny: LocalModelRef;

beforeAll(async () => {
  process.env.LLAMA_BATCH_DEBUG = "1";
  tiny = { name: "tiny", path: await testModel() };
  runtime = new Runtime({ gpu: false, contextSize: 512, sequences: 4 });
  await runtime.complete(tiny, "warm", { maxTokens: 2 }); // the context exists before counting
});
afterAll(async () => {
  await runtime.close();
  delete process.env.LLAMA_BATCH_DEBUG;
});

/** Runs `fn` while counting the micro-batches llama.cpp decodes. */
async function countUbatches<T>(fn: () => Promise<T>): Promise<{ result: T; ubatches: number }> {
  const llama = await getLlama();
  const { logLevel, logger } = llama;
  let ubatches = 0;
  llama.logger = (level, message) => {
    if (message.includes("added ubatch to split")) ubatches++;
    else if (level !== LlamaLogLevel.debug) logger(level, message);
  };
  llama.logLevel = LlamaLogLevel.debug;
  try {
    return { result: await fn(), ubatches };
  } finally {
    llama.logLevel = logLevel;
    llama.logger = logger;
  }
}

describe("runtime batching", () => {
  test("one stream decodes one micro-batch per token (the counter works)", async () => {
    const { result, ubatches } = await countUbatches(() => runtime.complete(tiny, "hello there", { maxTokens: 16, temperature: 0, logitBias: EOG_BAN }));
    expect(result.usage.completionTokens).toBe(16);
    // prompt (one micro-batch) + one per generated token after the first
    expect(ubatches).toBeGreaterThanOrEqual(16);
    expect(ubatches).toBeLessThanOrEqual(18);
  });

  test("4 concurrent streams share decode steps", async () => {
    const prompts = ["hello", "The quick brown fox", "1 2 3", "Once upon a time there was"];
    const before = { ...runtime.pool.peek(tiny)!.batchStats()! };
    const { result, ubatches } = await countUbatches(() =>
      Promise.all(prompts.map((p) => runtime.complete(tiny, p, { maxTokens: 32, temperature: 0, logitBias: EOG_BAN }))));
    const generated = result.reduce((n, r) => n + r.usage.completionTokens, 0);
    expect(generated).toBe(4 * 32);
    // Ideal: 32 steps + a few for the prompts (35 measured); node-llama-cpp's own batching: 66.
    expect(ubatches).toBeLessThan(generated / 3);
    const after = runtime.pool.peek(tiny)!.batchStats()!;
    const batches = after.batches - before.batches, items = after.items - before.items;
    expect(items / batches).toBeGreaterThan(3);
    expect(after.unordered).toBe(0);
  });

  test("chat streams (LlamaChat's own evaluation loop) share decode steps too", async () => {
    const asks = ["hello", "tell me a story", "1 2 3", "what is a river"];
    const { result, ubatches } = await countUbatches(() =>
      Promise.all(asks.map((content) => runtime.chat(tiny, [{ role: "user", content }], { maxTokens: 24, temperature: 0, logitBias: EOG_BAN }))));
    const generated = result.reduce((n, r) => n + r.usage.completionTokens, 0);
    expect(generated).toBe(4 * 24);
    expect(ubatches).toBeLessThan(generated / 3);
  });
});

describe("prompt scheduling", () => {
  /**
   * Counted in tokens, not time: how many tokens a generating stream gets while other requests'
   * prompts are processed. Processing a whole prompt in one step (or every prompt in equal
   * shares) would give the stream at most a token or two before the prompts' first tokens, and
   * finish concurrent prompts together.
   */
  let chunked: Runtime;
  beforeAll(async () => {
    chunked = new Runtime({ gpu: false, contextSize: 1024, sequences: 4, promptChunk: 32 });
    await chunked.complete(tiny, "warm", { maxTokens: 2 });
  });
  afterAll(() => chunked.close());

  test("long prompts go in chunks between a stream's tokens, first come first served", async () => {
    const events: string[] = [];
    const long = (tag: string) => `${tag} ` + "the river runs past the old stone mill ".repeat(40);
    expect((await chunked.tokenize(tiny, long("C"))).length).toBeGreaterThan(250);
    let started!: () => void;
    const streaming = new Promise<void>((ok) => (started = ok));
    const a = chunked.complete(tiny, "hello", {
      maxTokens: 200, temperature: 0, logitBias: EOG_BAN,
      onDelta: (d) => { if (d.text) { events.push("A"); if (events.length === 3) started(); } },
    });
    await streaming;
    const firstOf = (tag: string) => {
      let seen = false;
      return { maxTokens: 2, temperature: 0, logitBias: EOG_BAN, onDelta: (d: { text?: string }) => { if (d.text && !seen) { seen = true; events.push(tag); } } };
    };
    const c = chunked.complete(tiny, long("C"), firstOf("C"));
    const d = chunked.complete(tiny, long("D"), firstOf("D"));
    await Promise.all([a, c, d]);
    const at = (tag: string) => events.indexOf(tag);
    // C arrived first and is served first; D's prompt is processed after it.
    expect(at("C")).toBeGreaterThan(0);
    expect(at("C")).toBeLessThan(at("D"));
    // A kept generating while C's ~300 prompt tokens went through in 32-token chunks (~9 steps),
    // and again while D's did.
    const aBetween = (from: number, to: number) => events.slice(from, to).filter((e) => e === "A").length;
    expect(aBetween(3, at("C"))).toBeGreaterThanOrEqual(6);
    expect(aBetween(at("C"), at("D"))).toBeGreaterThanOrEqual(6);
  });
});
