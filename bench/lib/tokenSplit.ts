/**
 * Splits node-llama-cpp's time per generated token into its parts, by timing the two native
 * calls it makes for every token (through a proxy on the context's internal native handle):
 * `decodeBatch` (llama_decode on the libuv thread pool, hand-offs included) and `sampleToken`
 * (the sampler chain, another pool round trip). What is left of the wall time is JavaScript
 * and waiting for the main thread. Bench-only: it relies on node-llama-cpp internals and, if
 * they change, reports nothing instead of failing.
 */
import type { LlamaContext } from "node-llama-cpp";

export interface TokenSplit { decodeMs: number; sampleMs: number }

export function timeNativeCalls(context: LlamaContext): { read(): TokenSplit; reset(): void } | undefined {
  const holder = context as unknown as { _ctx?: Record<string, unknown> };
  const native = holder._ctx;
  if (!native || typeof native.decodeBatch !== "function" || typeof native.sampleToken !== "function") return undefined;
  const spent: TokenSplit = { decodeMs: 0, sampleMs: 0 };
  const timed = (name: "decodeBatch" | "sampleToken", into: keyof TokenSplit) => {
    const call = (native[name] as (...a: unknown[]) => Promise<unknown>).bind(native);
    return async (...args: unknown[]) => {
      const t = performance.now();
      try { return await call(...args); } finally { spent[into] += performance.now() - t; }
    };
  };
  const wrapped: Record<string, unknown> = { decodeBatch: timed("decodeBatch", "decodeMs"), sampleToken: timed("sampleToken", "sampleMs") };
  holder._ctx = new Proxy(native, {
    get(target, key) {
      if (typeof key === "string" && key in wrapped) return wrapped[key];
      const value = target[key as string];
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { read: () => ({ ...spent }), reset: () => { spent.decodeMs = 0; spent.sampleMs = 0; } };
}
