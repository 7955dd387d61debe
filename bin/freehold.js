#!/usr/bin/env node
// Entry point: llama.cpp's threads compete with libuv's pool for the cores, so keep the pool at
// one thread unless the user chose otherwise. Measured on 2 cores (bench/runtime.ts, SmolLM-135M
// shape, Q4_0): 186 generated tokens/s with 1, 62 with 2, 84 with Node's default 4; llama-bench
// 162-169. UV_THREADPOOL_SIZE is read when the pool first starts, so it is set before any I/O.
process.env.UV_THREADPOOL_SIZE ??= "1";
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");
