/**
 * node-llama-cpp (about 230 modules, ~16 MB resident) is imported on first use rather than at
 * start, so a server that has not loaded a model yet does not pay for it (bench/memory.ts).
 * `llamaCpp()` loads it; `loadedLlamaCpp()` serves code that only runs with a model loaded,
 * which getLlama() (runtime/llama.ts) has awaited. Two rules of its JSON grammar are corrected
 * on load (grammarRules.ts).
 */
import { patchGrammarRules } from "./grammarRules.ts";

type NodeLlamaCpp = typeof import("node-llama-cpp");

let mod: NodeLlamaCpp | undefined;
let loading: Promise<NodeLlamaCpp> | undefined;

export function llamaCpp(): Promise<NodeLlamaCpp> {
  return (loading ??= import("node-llama-cpp").then(async (m) => {
    await patchGrammarRules();
    return (mod = m);
  }));
}

export function loadedLlamaCpp(): NodeLlamaCpp {
  if (!mod) throw new Error("node-llama-cpp used before any model was loaded (call getLlama first)");
  return mod;
}
