import { getLlama } from "node-llama-cpp";
const file = "/tmp/freehold-bench-models/tinyllama-1.1b-4636e31a-q4_0.gguf";
const adapterPath = "/tmp/freehold-bench-models/tinyllama-1.1b-lora-r16-4636e31a.gguf";
const llama = await getLlama({ gpu: false });
const model = await llama.loadModel({ modelPath: file, useMmap: false });
const ctx = await model.createContext({ contextSize: 2048, sequences: 1, threads: 2 });
const lora = await (model as any)._getOrLoadLora(adapterPath);
const seq = ctx.getSequence();
const native = (ctx as any)._ctx;
async function run(mode: "none" | "on" | "switch", n = 48) {
  await seq.clearHistory();
  native.setLoras(mode === "on" ? [lora] : [], mode === "on" ? [1] : []);
  const toks = model.tokenize("river stone lantern");
  const t0 = performance.now();
  let i = 0;
  for await (const t of seq.evaluate(toks, { temperature: 0 })) {
    if (mode === "switch") native.setLoras(i % 2 ? [lora] : [], i % 2 ? [1] : []);
    if (++i >= n) break;
  }
  return (performance.now() - t0) / n;
}
for (let r = 0; r < 2; r++) for (const m of ["none", "on", "switch"] as const) console.log(m, (await run(m)).toFixed(1), "ms/token");
