import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, extname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { FreeholdError } from "../errors.ts";
import type { QuantizeParams } from "./llamaLib.ts";

export interface QuantizeProgress {
  tensorsDone: number;
  tensorsTotal: number;
  tensor: string;
}

export interface QuantizerRun {
  input: string;
  output: string;
  params: Partial<QuantizeParams>;
  onProgress?: (p: QuantizeProgress) => void;
  signal?: AbortSignal;
}

/** What llama.cpp reported: its own size and bits-per-weight figures (tensor data only). */
export interface QuantizerResult {
  tensors: number;
  fallbacks: number;
  sourceBitsPerWeight?: number;
  bitsPerWeight?: number;
}

const HERE = fileURLToPath(import.meta.url);
const WORKER = join(dirname(HERE), `worker${extname(HERE)}`);
// The worker is TypeScript when we run from source: give the child the same tsx loader.
const LOADER = WORKER.endsWith(".ts") ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] : [];

const TENSOR_LINE = /^\[\s*(\d+)\/\s*(\d+)\]\s+(\S+)/;
const SIZE_LINE = /(model|quant) size\s*=\s*[\d.]+ MiB \(([\d.]+) BPW\)/;
const FALLBACK_LINE = /(\d+) of \d+ tensor\(s\) required fallback/;
const FAILURE = /failed to quantize: (.*)$/;

/**
 * Runs llama.cpp's quantizer in a child process (see worker.ts), streaming progress from its
 * per-tensor log lines. Aborting kills the child at once; the caller removes the output file.
 */
export function runQuantizer(run: QuantizerRun): Promise<QuantizerResult> {
  run.signal?.throwIfAborted();
  const child = spawn(process.execPath, [...LOADER, WORKER, JSON.stringify({ input: run.input, output: run.output, params: run.params })], {
    stdio: ["pipe", "ignore", "pipe"],
    // Own process group: a terminal's Ctrl-C reaches only us, and we cancel the child cleanly.
    // If we die instead, the child sees its stdin close and stops (worker.ts).
    detached: true,
  });
  const result: QuantizerResult = { tensors: 0, fallbacks: 0 };
  const tail: string[] = [];
  let failure: string | undefined;
  let pending = "";
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 30) tail.shift();
    let m: RegExpMatchArray | null;
    // llama.cpp prints its failure mid-line, after the tensor it stopped at.
    if ((m = line.match(FAILURE))) failure = m[1].trim();
    if ((m = line.match(TENSOR_LINE))) {
      result.tensors = Number(m[2]);
      run.onProgress?.({ tensorsDone: Number(m[1]), tensorsTotal: Number(m[2]), tensor: m[3] });
    } else if ((m = line.match(SIZE_LINE))) {
      if (m[1] === "model") result.sourceBitsPerWeight = Number(m[2]);
      else result.bitsPerWeight = Number(m[2]);
    } else if ((m = line.match(FALLBACK_LINE))) result.fallbacks = Number(m[1]);
    else if ((m = line.match(FAILURE))) failure = m[1].trim();
  };
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    const lines = (pending + chunk).split("\n");
    pending = lines.pop() ?? "";
    lines.forEach(onLine);
  });
  const abort = () => child.kill("SIGKILL");
  run.signal?.addEventListener("abort", abort, { once: true });

  return new Promise<QuantizerResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, sig) => {
      run.signal?.removeEventListener("abort", abort);
      if (pending) onLine(pending);
      if (run.signal?.aborted) return reject(run.signal.reason);
      if (code === 0) return resolve(result);
      reject(quantizerError(failure, code, sig, tail));
    });
  });
}

function quantizerError(failure: string | undefined, code: number | null, sig: NodeJS.Signals | null, tail: string[]) {
  if (failure && /requires an imatrix/.test(failure)) return new FreeholdError("invalid_request", `llama.cpp: ${failure}`);
  if (failure && /requantiz/i.test(failure)) return new FreeholdError("invalid_request", `llama.cpp: ${failure} (pass --allow-requantize)`);
  if (tail.some((l) => /No space left|ENOSPC/i.test(l))) return new FreeholdError("insufficient_storage", "the disk filled up while quantizing");
  const how = failure ?? (sig ? `the quantizer process died (${sig})` : `the quantizer exited with code ${code}`);
  return new FreeholdError("internal", `quantization failed: ${how}\n${tail.slice(-8).join("\n")}`);
}
