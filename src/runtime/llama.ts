import type { Llama } from "node-llama-cpp";
import { llamaCpp } from "./llamaCpp.ts";

export interface LlamaSettings {
  /** "auto" uses CUDA/Vulkan/Metal when the machine has one; false forces the CPU build. */
  gpu?: "auto" | false;
  /** llama.cpp's log level; errors only by default. */
  logLevel?: "error" | "warn" | "info" | "debug";
}

let shared: Promise<Llama> | undefined;

/**
 * The process's one `Llama`, created on first use. llama.cpp's backend is process-global, so
 * several instances would only compete for the same cores. Settings count only on first call.
 */
export function getLlama(settings: LlamaSettings = {}): Promise<Llama> {
  shared ??= llamaCpp().then(({ getLlama: createLlama, LlamaLogLevel }) => createLlama({
    gpu: settings.gpu ?? "auto",
    logLevel: LlamaLogLevel[settings.logLevel ?? "error"],
    // Offline: use the prebuilt binary (or an existing local build), never compile on the fly.
    build: "never",
    progressLogs: false,
    // 0 = each context runs with exactly the threads it asks for. The default shares one thread
    // budget between contexts, so one model's speed would depend on another's traffic.
    maxThreads: 0,
  })).catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}
