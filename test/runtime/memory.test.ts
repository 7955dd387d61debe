import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, test } from "vitest";
import { Runtime } from "../../src/runtime/index.ts";
import { testModel } from "../helpers/models.ts";

/**
 * Loads a model in a fresh process exactly as the pool does and reports what llama.cpp itself
 * says it allocated (its "... buffer size = X MiB" log lines: weights, KV cache, compute and
 * output buffers), plus the process's RSS growth for the record. A separate process keeps this
 * test's llama.cpp logger and memory apart from the rest of the suite.
 */
const probe = `
import { getLlama, LlamaLogLevel } from "${pathToFileURL(join(process.cwd(), "node_modules/node-llama-cpp/dist/index.js")).href}";
const [path, contextSize, sequences, batchSize, useMmap] = process.argv.slice(2);
let mib = 0;
const llama = await getLlama({ gpu: false, build: "never", maxThreads: 0, logLevel: LlamaLogLevel.debug,
  logger: (_, m) => { const x = /buffer size =\\s*([\\d.]+) MiB/.exec(m); if (x) mib += Number(x[1]); } });
const rss0 = process.memoryUsage().rss;
const model = await llama.loadModel({ modelPath: path, gpuLayers: 0, useMmap: useMmap === "true" });
const ctx = await model.createContext({ contextSize: Number(contextSize), sequences: Number(sequences), batchSize: Number(batchSize), threads: 1, failedCreationRemedy: false });
const seq = ctx.getSequence();
await seq.evaluateWithoutGeneratingNewTokens(model.tokenize("hello world ".repeat(100)));
console.log(JSON.stringify({ allocatedBytes: mib * 1024 * 1024, modelSize: model.size, rssBytes: process.memoryUsage().rss - rss0 }));
`;

const probeFile = join(mkdtempSync(join(tmpdir(), "fh-mem-")), "probe.mjs");
writeFileSync(probeFile, probe);

async function measure(path: string, s: { contextSize: number; sequences: number; batchSize: number; useMmap: boolean }) {
  // A file, not "node -e": node-llama-cpp tests its binary in a child that inherits execArgv.
  const args = [path, s.contextSize, s.sequences, s.batchSize, s.useMmap].map(String);
  const { stdout } = await promisify(execFile)(process.execPath, [probeFile, ...args]);
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as { allocatedBytes: number; modelSize: number; rssBytes: number };
}

describe("memory prediction", () => {
  test.each([
    { name: "dense", shape: "tiny", contextSize: 2048, sequences: 4 },
    { name: "MoE", shape: "tiny-moe", contextSize: 2048, sequences: 4 },
    { name: "dense, one sequence", shape: "tiny", contextSize: 512, sequences: 1 },
    // F16 weights are repacked for AMX on CPUs that have it; a small context lets weights dominate.
    { name: "dense F16, small context", shape: "tiny", type: "f16", contextSize: 64, sequences: 1 },
  ] as const)("$name: prediction within 10 percent of what llama.cpp allocates", async (c) => {
    const path = await testModel({ shape: c.shape, type: "type" in c ? c.type : undefined });
    const runtime = new Runtime({ gpu: false });
    const predicted = await runtime.predictMemory(path, c);
    const { settings } = await runtime.pool.plan(path, c);
    const actual = await measure(path, settings);
    const error = Math.abs(predicted.totalBytes - actual.allocatedBytes) / actual.allocatedBytes;
    console.log(`${c.name} ctx=${settings.contextSize}x${settings.sequences}: predicted ${predicted.totalBytes} B, llama.cpp allocated ${Math.round(actual.allocatedBytes)} B ` +
      `(error ${(error * 100).toFixed(1)}%), RSS grew ${actual.rssBytes} B`);
    expect(predicted.weightsBytes).toBe(actual.modelSize);
    expect(error).toBeLessThanOrEqual(0.1);
  });
});
