#!/usr/bin/env node
// Entry point: llama.cpp shares our 2-ish cores with libuv's pool, so keep that pool small
// unless the user chose otherwise (measured: +25-45% generation speed on 2 cores).
// UV_THREADPOOL_SIZE is read when the pool first starts, so it must be set before any I/O.
process.env.UV_THREADPOOL_SIZE ??= "2";
const { register } = await import("tsx/esm/api");
register();
await import("../src/cli/main.ts");
