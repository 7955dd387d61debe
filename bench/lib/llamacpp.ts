import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

/**
 * llama.cpp's own tools (llama-bench, llama-server, llama-batched-bench, llama-quantize, llama-perplexity), built
 * natively from the exact source node-llama-cpp ships as a git bundle, for side-by-side
 * comparisons. Built into a temporary folder on request (about 7 minutes on 2 cores), never
 * committed. FREEHOLD_LLAMACPP_BIN points at an existing build.
 */
export function llamaCppBin(tool: string, { build = false } = {}): string | undefined {
  const dirs = [process.env.FREEHOLD_LLAMACPP_BIN, join(tmpdir(), "freehold-llamacpp/build/bin"), "/tmp/llamacpp/src/build/bin"];
  for (const d of dirs) if (d && existsSync(join(d, tool))) return join(d, tool);
  if (!build) return undefined;
  const root = join(tmpdir(), "freehold-llamacpp");
  const bundle = resolve(import.meta.dirname, "../../node_modules/node-llama-cpp/llama/gitRelease.bundle");
  if (!existsSync(join(root, "CMakeLists.txt"))) {
    mkdirSync(root, { recursive: true });
    execFileSync("git", ["clone", "-q", bundle, root], { stdio: "inherit" });
  }
  // -fno-dse: GCC 12 (Debian 12) drops the stores that fill AMX's tile configuration before
  // `ldtilecfg` (ggml-cpu/amx/mmq.cpp, ggml_tile_config_init), so on AMX CPUs the native build
  // dies with SIGILL at the first batched matmul. The prebuilt node-llama-cpp binary is unaffected.
  execFileSync("cmake", ["-B", "build", "-DCMAKE_BUILD_TYPE=Release", "-DGGML_NATIVE=ON", "-DCMAKE_CXX_FLAGS=-fno-dse", "-DLLAMA_CURL=OFF",
    "-DLLAMA_BUILD_TESTS=OFF", "-DLLAMA_BUILD_EXAMPLES=OFF"], { cwd: root, stdio: "inherit" });
  execFileSync("cmake", ["--build", "build", "-j2", "--target", "llama-bench", "llama-server", "llama-batched-bench", "llama-quantize", "llama-perplexity"],
    { cwd: root, stdio: "inherit" });
  return join(root, "build/bin", tool);
}
