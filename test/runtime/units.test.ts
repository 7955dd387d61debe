import { describe, expect, test } from "vitest";
import { schedule } from "../../src/runtime/batching.ts";
import { toChatHistory, toFunctions } from "../../src/runtime/history.ts";
import { Slots } from "../../src/runtime/slots.ts";

describe("slots", () => {
  test("hands items out FIFO, bounds the queue, and lets aborted waiters leave", async () => {
    const slots = new Slots(["s1"], 2, "m");
    const first = await slots.acquire();
    const order: string[] = [];
    const ac = new AbortController();
    const second = slots.acquire().then((s) => (order.push("second"), s));
    const third = slots.acquire(ac.signal);
    await expect(slots.acquire()).rejects.toMatchObject({ code: "rate_limited", details: { retryAfterSeconds: expect.any(Number) } });
    ac.abort(new Error("gone"));
    await expect(third).rejects.toThrow("gone");
    expect(slots.queued).toBe(1);
    slots.release(first);
    expect(await second).toBe("s1");
    expect(order).toEqual(["second"]);
    expect([slots.busy, slots.queued]).toEqual([1, 0]);
  });

  test("hands out free items so that busy sequence ids stay consecutive", async () => {
    const slots = new Slots([0, 1, 2, 3, 4], 4, "m");
    const a = await slots.acquire(), b = await slots.acquire(), c = await slots.acquire();
    expect([a, b, c]).toEqual([0, 1, 2]);
    slots.release(b);
    slots.release(a);
    // 2 is busy: 1 and then 0 or 3 next to it, never 0 first (a gap at 1).
    expect([await slots.acquire(), await slots.acquire(), await slots.acquire()]).toEqual([1, 0, 3]);
    slots.release(1);
    // A gap between busy ones is closed first.
    expect(await slots.acquire()).toBe(1);
  });

  test("groups (one LoRA adapter set each) stay consecutive apart: the base weights from the bottom, an adapter set from the top", async () => {
    const slots = new Slots([0, 1, 2, 3, 4, 5], 4, "m");
    // Requests arriving interleaved, as clients of two models sharing a context do.
    const got = [await slots.acquire(), await slots.acquire(undefined, undefined, undefined, "lora"), await slots.acquire(),
      await slots.acquire(undefined, undefined, undefined, "lora"), await slots.acquire()];
    expect(got).toEqual([0, 5, 1, 4, 2]);
    slots.release(4);
    // The adapter set's next one goes next to its own busy one, not into the base weights' run.
    expect(await slots.acquire(undefined, undefined, undefined, "lora")).toBe(4);
  });
});

describe("decode step schedule", () => {
  test("generating streams always go; prompts first come first served, long ones in chunks while others generate", () => {
    expect(schedule([1, 1, 1], 512, 128)).toEqual([1, 1, 1]);
    // Two generating streams: the first prompt in the queue takes the whole chunk, the second waits.
    expect(schedule([1, 300, 1, 400], 512, 128)).toEqual([1, 128, 1, 0]);
    expect(schedule([1, 100, 1, 400], 512, 128)).toEqual([1, 100, 1, 28]);
    // Short prompts (at most a chunk) go whole, together, even past the chunk; long ones wait for the next step.
    expect(schedule([1, 45, 45, 45, 45, 300], 512, 128)).toEqual([1, 45, 45, 45, 45, 0]);
    expect(schedule([1, 300, 45, 45], 512, 128)).toEqual([1, 128, 45, 45]);
    expect(schedule([1, 120, 120, 120, 120, 120], 512, 128)).toEqual([1, 120, 120, 120, 120, 31]);
    // Nothing generating: prompts fill the whole batch, still in arrival order.
    expect(schedule([250, 250, 250], 512, 128)).toEqual([250, 250, 12]);
    // Many streams generating: long prompts take at least 32 tokens per generating stream's token.
    const streams = (n: number) => Array.from({ length: n }, () => 1);
    expect(schedule([...streams(8), 300, 300], 512, 128)).toEqual([...streams(8), 256, 0]);
    expect(schedule([...streams(15), 300, 300], 512, 128)).toEqual([...streams(15), 300, 180]);
    expect(schedule([...streams(15), 300, 300], 2048, 128)).toEqual([...streams(15), 300, 180]);
    expect(schedule([...streams(3), 300], 512, 128)).toEqual([...streams(3), 128]);
    // The batch bounds everything.
    expect(schedule([1, 1, 5], 3, 128)).toEqual([1, 1, 1]);
    expect(schedule([1, 1, 1, 5], 2, 128)).toEqual([1, 1, 0, 0]);
  });
});

describe("chat history", () => {
  test("tool calls and their results join one model response; the answer continues it", () => {
    const h = toChatHistory([
      { role: "system", content: "be brief" },
      { role: "user", content: "weather?" },
      { role: "assistant", content: "", toolCalls: [{ id: "c1", name: "w", arguments: '{"city":"Oslo"}' }] },
      { role: "tool", toolCallId: "c1", content: '{"t":3}' },
    ]);
    expect(h).toEqual([
      { type: "system", text: "be brief" },
      { type: "user", text: "weather?" },
      { type: "model", response: [{ type: "functionCall", name: "w", params: { city: "Oslo" }, result: { t: 3 } }] },
    ]);
    expect(toChatHistory([{ role: "user", content: "hi" }]).at(-1)).toEqual({ type: "model", response: [] });
  });

  test("tool choice picks the functions offered", () => {
    const tools = [{ name: "a" }, { name: "b", description: "B" }];
    expect(toFunctions(tools, "none")).toBeUndefined();
    expect(Object.keys(toFunctions(tools, "auto")!)).toEqual(["a", "b"]);
    expect(Object.keys(toFunctions(tools, { name: "b" })!)).toEqual(["b"]);
    expect(() => toFunctions(tools, { name: "c" })).toThrow(/not among the tools/);
  });
});
