#!/usr/bin/env node
// CommonJS on purpose (bin/package.json): an ES module entry runs only after Node's loader has
// already started libuv's thread pool (4 threads), too late to size it.
//
// llama.cpp's threads compete with libuv's pool for the cores, so keep the pool at one thread
// unless the user chose otherwise. Measured on 2 cores (bench/runtime.ts, SmolLM-135M shape,
// Q4_0): 186 generated tokens/s with 1, 62 with 2, 84 with Node's default 4; llama-bench 162-169.
process.env.UV_THREADPOOL_SIZE ??= "1";
// V8 flags that cut the idle server's resident memory (bench/memory.ts), set before anything
// compiles WebAssembly or grows the heap:
// - PGlite is 9 MB of WebAssembly; tiering it up to TurboFan in the background kept ~35 MB more
//   than the baseline compiler alone, and queries were no slower without it.
// - Loading the modules at start made V8 grow the young generation to its 2 x 16 MB maximum,
//   and it never shrinks back; kept at 2 x 1 MB, the server spent no more CPU on a mix of
//   API requests and generated tokens (less time in GC), for ~15 MB less.
const v8 = require("node:v8");
v8.setFlagsFromString("--liftoff-only");
v8.setFlagsFromString("--semi-space-growth-factor=1");

(async () => {
  // Precompiled JavaScript when dist/ matches src/ (bin/build.mjs), else TypeScript through tsx.
  const { isFresh } = await import("./build.mjs");
  if (isFresh()) {
    await import("../dist/src/cli/main.js");
  } else {
    const { register } = await import("tsx/esm/api");
    register();
    await import("../src/cli/main.ts");
  }
})().catch((err) => {
  console.error(err);
  process.exit(1);
});
