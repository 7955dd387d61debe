import { LlamaContextSequence } from "node-llama-cpp";
import { expect, test } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import { testModel } from "../helpers/models.ts";

/**
 * Clearing a finished request's sequence needs the context's lock, which node-llama-cpp's decode
 * loop keeps for as long as other streams generate (measured: a 5-token answer beside three long
 * streams ended with the last of them, ~2.6 s later). The answer must not wait for the clearing
 * (src/runtime/lease.ts), and the sequence must not be handed out again before it is clear.
 * Here the clearing is held back by a gate, as the lock would hold it.
 */
test("an answer does not wait for its sequence to be cleared, and the next request waits for a clean one", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const runtime = new Runtime({ gpu: false, contextSize: 1024, sequences: 1 });
  const clearHistory = LlamaContextSequence.prototype.clearHistory;
  let open!: () => void;
  const gate = new Promise<void>((ok) => (open = ok));
  LlamaContextSequence.prototype.clearHistory = async function (this: LlamaContextSequence) {
    await gate;
    return clearHistory.call(this);
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
    LlamaContextSequence.prototype.clearHistory = clearHistory;
    open();
    await runtime.close();
  }
}, 60_000);
