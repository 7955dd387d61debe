import type { LlamaContextSequence } from "node-llama-cpp";
import { expect, test } from "vitest";
import { SequenceClearer } from "../../src/runtime/clearing.ts";
import { Runtime } from "../../src/runtime/index.ts";
import { testModel } from "../helpers/models.ts";

/**
 * Clearing a finished request's sequence can wait (for the context's lock, or the decode loop's
 * next safe point: src/runtime/clearing.ts). The answer must not wait for the clearing
 * (src/runtime/lease.ts), and the sequence must not be handed out again before it is clear.
 * Here the clearing is held back by a gate.
 */
test("an answer does not wait for its sequence to be cleared, and the next request waits for a clean one", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const runtime = new Runtime({ gpu: false, contextSize: 1024, sequences: 1 });
  const clear = SequenceClearer.prototype.clear;
  let open!: () => void;
  const gate = new Promise<void>((ok) => (open = ok));
  SequenceClearer.prototype.clear = async function (this: SequenceClearer, sequence: LlamaContextSequence) {
    await gate;
    return clear.call(this, sequence);
  };
  try {
    const first = runtime.complete(tiny, "short", { maxTokens: 3, temperature: 0 });
    const outcome = await Promise.race([first.then(() => "answered"), new Promise((r) => setTimeout(() => r("still waiting"), 20_000))]);
    expect(outcome).toBe("answered");

    // The only sequence is not clear yet: the next request queues until it is.
    let second = false;
    const next = runtime.complete(tiny, "short", { maxTokens: 3, temperature: 0 }).then((r) => { second = true; return r; });
    await new Promise((r) => setTimeout(r, 200));
    expect(second).toBe(false);
    open();
    expect((await next).text).toBe((await first).text); // same prompt, clean sequence, same answer
  } finally {
    SequenceClearer.prototype.clear = clear;
    open();
    await runtime.close();
  }
}, 60_000);
