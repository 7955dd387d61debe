/**
 * Loads one model through Freehold's Runtime (product defaults) in a fresh process and reports
 * what the runtime predicted against what the process's resident memory grew by. Prints JSON.
 *
 *   node --import tsx bench/lib/memoryWorker.ts '{"path":"..."}'
 */
import { Runtime } from "../../src/runtime/index.ts";
import { getLlama } from "../../src/runtime/llama.ts";
import { rssOf } from "./proc.ts";

const { path } = JSON.parse(process.argv[2]) as { path: string };
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 200));
  }
};

// The binding and backend load first: that is process cost, not the model's.
await getLlama({ gpu: false });
const runtime = new Runtime({ gpu: false, defaultKeepAliveMs: -1 });
const ref = { name: "m", path };
const predicted = await runtime.predictMemory(path);
await settle();
const before = rssOf(process.pid);
await runtime.complete(ref, "Hello", { maxTokens: 4, temperature: 0 }); // load + one short request
await settle();
const after = rssOf(process.pid);
// A prompt longer than one batch touches every page of the compute buffers, which a short
// request leaves partly untouched (allocated, not yet resident).
const long = "The quick brown fox jumps over the lazy dog near the old river bank. ".repeat(60);
const tokens = (await runtime.tokenize(ref, long)).length;
await runtime.complete(ref, long, { maxTokens: 4, temperature: 0 });
await settle();
const afterLong = rssOf(process.pid);
const status = runtime.ps()[0];
const loaded = runtime.pool.peek(ref)!;
console.log(JSON.stringify({
  predicted,
  before, after, afterLong, longPromptTokens: tokens,
  // node-llama-cpp's own accounting: weights (model.size) + the context's memoryUsage.
  reported: { totalBytes: status.actualBytes, weightsBytes: loaded.model.size },
  settings: loaded.settings,
}));
await runtime.close();
process.exit(0);
