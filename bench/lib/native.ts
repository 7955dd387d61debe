import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { llamaCppBin } from "./llamacpp.ts";
import { freePort, sleep } from "./proc.ts";

const run = promisify(execFile);

export interface NativeTools {
  bench: string;
  server?: string;
  /** llama-batched-bench: the engine alone decoding N sequences together. */
  batched?: string;
  perplexity?: string;
  /** How the tools were built (CMakeCache excerpt), for the method text. */
  build: string;
}

/**
 * llama.cpp's own tools from a native build of node-llama-cpp's bundled source, checked to
 * actually run on this CPU: a `-march=native` build made on another machine (same image, other
 * host CPU) dies with SIGILL or SIGSEGV at the first compute. Builds one (about 7 minutes on 2
 * cores, into the temporary folder bench/lib/llamacpp.ts uses) when none is usable and
 * `build` is set, or FREEHOLD_BENCH_BUILD=1.
 */
export async function nativeTools({ build = process.env.FREEHOLD_BENCH_BUILD === "1", smokeModel }: { build?: boolean; smokeModel: string }): Promise<NativeTools> {
  const candidates = [process.env.FREEHOLD_LLAMACPP_BIN, "/tmp/freehold-llamacpp/build/bin", "/tmp/llamacpp/src/build/bin"]
    .filter((d): d is string => !!d && existsSync(join(d, "llama-bench")));
  const problems: string[] = [];
  for (const dir of candidates) {
    const bench = join(dir, "llama-bench");
    const why = await smoke(bench, smokeModel);
    if (why) { problems.push(`${dir}: ${why}`); continue; }
    const tool = (name: string) => (existsSync(join(dir, name)) ? join(dir, name) : undefined);
    return { bench, server: tool("llama-server"), batched: tool("llama-batched-bench"), perplexity: tool("llama-perplexity"), build: describeBuild(dir) };
  }
  if (build) {
    const bench = llamaCppBin("llama-bench", { build: true })!;
    const why = await smoke(bench, smokeModel);
    if (!why) {
      const dir = dirname(bench);
      return { bench, server: join(dir, "llama-server"), batched: join(dir, "llama-batched-bench"), perplexity: join(dir, "llama-perplexity"), build: describeBuild(dir) };
    }
    problems.push(`fresh build: ${why}`);
  }
  throw new Error(`no usable native llama.cpp build (${problems.join("; ") || "none found"}). `
    + "Build one with FREEHOLD_BENCH_BUILD=1 npm run bench, or point FREEHOLD_LLAMACPP_BIN at one.");
}

async function smoke(bench: string, model: string): Promise<string | undefined> {
  try {
    await run(bench, ["-m", model, "-p", "8", "-n", "2", "-r", "1", "-t", "1", "-o", "json"], { timeout: 120_000 });
    return undefined;
  } catch (e) {
    const err = e as { signal?: string; code?: number; stderr?: string };
    return `smoke run failed (${err.signal ?? `exit ${err.code}`}): built for another CPU?`;
  }
}

function describeBuild(binDir: string): string {
  const cache = join(binDir, "../CMakeCache.txt");
  if (!existsSync(cache)) return "native build";
  const text = readFileSync(cache, "utf8");
  const opt = (k: string) => text.match(new RegExp(`^${k}:[A-Z]+=(.*)$`, "m"))?.[1];
  return `CMAKE_BUILD_TYPE=${opt("CMAKE_BUILD_TYPE")}, GGML_NATIVE=${opt("GGML_NATIVE")}, GGML_OPENMP=${opt("GGML_OPENMP") ?? "ON"}`;
}

export interface BenchResult {
  /** Prompt processing tokens/s (pp test), generation tokens/s (tg test): llama-bench's avg_ts. */
  pp: number;
  tg: number;
  flashAttn: string;
  raw: unknown[];
}

/** `llama-bench -m file -p P -n N -t T -r R -o json` (plus extra flags), parsed. */
export async function llamaBench(bin: string, model: string, o: { threads: number; prompt?: number; gen?: number; reps?: number; extra?: string[] }): Promise<BenchResult> {
  const args = ["-m", model, "-p", String(o.prompt ?? 512), "-n", String(o.gen ?? 128), "-t", String(o.threads), "-r", String(o.reps ?? 3), "-o", "json", ...(o.extra ?? [])];
  const { stdout } = await run(bin, args, { timeout: 15 * 60_000, maxBuffer: 1 << 24 });
  const tests = JSON.parse(stdout) as { n_prompt: number; n_gen: number; avg_ts: number; flash_attn: unknown }[];
  const pp = tests.find((t) => t.n_prompt > 0 && t.n_gen === 0);
  const tg = tests.find((t) => t.n_gen > 0 && t.n_prompt === 0);
  return { pp: pp?.avg_ts ?? NaN, tg: tg?.avg_ts ?? NaN, flashAttn: String(tests[0]?.flash_attn ?? "?"), raw: tests };
}

/**
 * `llama-batched-bench`: N sequences of `prompt` tokens evaluated together, then `gen` tokens
 * decoded for all N in lockstep, no sampling, HTTP or scheduling. Returns generated tokens per
 * second of the whole (N·gen / (prompt time + decode time)): the most a server on this engine can
 * generate for N clients whose requests arrive together.
 */
export async function batchedBench(bin: string, model: string, o: { threads: number; contextSize: number; prompt: number; gen: number; parallel: number }): Promise<number> {
  const args = ["-m", model, "-c", String(o.contextSize), "-t", String(o.threads), "-npp", String(o.prompt), "-ntg", String(o.gen),
    "-npl", String(o.parallel), "--output-format", "jsonl"];
  const { stdout, stderr } = await run(bin, args, { timeout: 15 * 60_000, maxBuffer: 1 << 24 });
  const line = `${stdout}\n${stderr}`.split("\n").find((l) => l.startsWith("{") && l.includes('"speed_tg"'));
  if (!line) throw new Error(`llama-batched-bench printed no result: ${stderr.slice(-1000)}`);
  const r = JSON.parse(line) as { pl: number; tg: number; t: number };
  return (r.pl * r.tg) / r.t;
}

/** A native llama-server on a loopback port, ready when /health answers 200. */
export async function startLlamaServer(bin: string, model: string, args: string[]): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn(bin, ["-m", model, "--host", "127.0.0.1", "--port", String(port), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.setEncoding("utf8").on("data", (c: string) => { err = (err + c).slice(-4000); });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(t);
  };
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`llama-server exited (${child.exitCode ?? child.signalCode}): ${err}`);
    try {
      if ((await fetch(`${url}/health`)).ok) return { url, child, stop };
    } catch { /* not yet */ }
    await sleep(100);
  }
  await stop();
  throw new Error(`llama-server did not become ready: ${err}`);
}
