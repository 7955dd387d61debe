import { afterAll, beforeAll, expect, test } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import type { LocalModelRef } from "../../src/runtime/types.ts";
import { testModel } from "../helpers/models.ts";

let runtime: Runtime;
let tiny: LocalModelRef;
/** The generator's EOS and EOT: banned so the background stream runs to its budget. */
const NO_EOS = { 2: -100, 260: -100 };

beforeAll(async () => {
  tiny = { name: "tiny", path: await testModel() };
  runtime = new Runtime({ gpu: false, contextSize: 4096, sequences: 3 });
  await runtime.complete(tiny, "warm", { maxTokens: 1 });
});
afterAll(() => runtime.close());

/**
 * While two streams keep the decode loop (and so the context's lock) busy, a finished request's
 * sequence is cleared between two decodes (src/runtime/clearing.ts) and serves the next request
 * at once, clean. Before, it waited for the long streams to end: with 3 sequences, the second
 * request below could only start after them. (One stream alone lets the loop end between its
 * tokens, and the lock with it.)
 */
test("a finished sequence is cleared and reused while another stream generates, and answers as a fresh one", async () => {
  let backgroundDone = false;
  const stop = new AbortController();
  // Resolves with the stream's end wrapped (a promise resolved with a promise would wait for it).
  const long = (prompt: string, seed: number) => new Promise<{ done: Promise<unknown> }>((started) => {
    const done = runtime.complete(tiny, prompt, { maxTokens: 4000, seed, temperature: 1, logitBias: NO_EOS, signal: stop.signal, onDelta: () => started({ done }) })
      .then(() => { backgroundDone = true; }, () => undefined);
  });
  const background = await Promise.all([long("a long story", 7), long("another long story", 8)]);
  const ask = () => runtime.complete(tiny, "The quick brown", { maxTokens: 24, seed: 3, temperature: 1 });
  const reference = await ask(); // on the second sequence, fresh
  const other = await runtime.complete(tiny, "something else entirely", { maxTokens: 30, seed: 5, temperature: 1 }); // same sequence, reused
  const again = await ask(); // same sequence, reused again
  expect(backgroundDone).toBe(false);
  expect(other.text.length).toBeGreaterThan(0);
  expect(again.text).toBe(reference.text); // nothing of the earlier requests is left in the sequence
  stop.abort();
  await Promise.all(background.map((b) => b.done));
}, 120_000);
