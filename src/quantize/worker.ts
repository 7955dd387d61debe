/**
 * Child-process entry that runs llama_model_quantize. A child, not a worker thread: llama.cpp
 * aborts the whole process on internal errors (GGML_ABORT), and a native call cannot be
 * interrupted inside a thread, whereas a process can be killed at once for cancellation.
 * Progress and errors reach the parent as llama.cpp's own log lines on stderr.
 *
 * argv[2]: JSON { input, output, params: Partial<QuantizeParams> }. Exit 0 = done, 2 = failed.
 */
import { loadLlamaLib, type QuantizeParams } from "./llamaLib.ts";

interface Job { input: string; output: string; params: Partial<QuantizeParams> }

const job = JSON.parse(process.argv[2] ?? "{}") as Job;

// The parent holds our stdin open; EOF means it died, so stop instead of finishing unseen work.
process.stdin.on("end", () => process.kill(process.pid, "SIGKILL"));
process.stdin.resume();

try {
  const lib = loadLlamaLib();
  lib.backendInit();
  const params = { ...lib.defaultParams(), ...job.params };
  const rc = await lib.quantize(job.input, job.output, params);
  process.exit(rc === 0 ? 0 : 2);
} catch (e) {
  process.stderr.write(`freehold-quantize: failed to quantize: ${(e as Error).message}\n`);
  process.exit(2);
}
