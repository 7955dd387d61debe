import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { benchModel, registerLinked } from "./lib/models.ts";
import { nativeTools, startLlamaServer } from "./lib/native.ts";
import { percentile, startFreehold } from "./lib/proc.ts";
import { streamCompletion } from "./lib/sse.ts";
const NO_EOS = { "2": -100, "260": -100 };
const WORDS = "river stone lantern copper orchard velvet thunder meadow harbor signal ember quartz willow falcon cedar prism canyon ribbon glacier tundra".split(" ");
function prompt(id: number, n: number): string {
  const words: string[] = [WORDS[id % 20], WORDS[Math.floor(id / 20) % 20], WORDS[Math.floor(id / 400) % 20], `request ${id}:`];
  for (let i = 0; words.length < n * 0.4; i++) words.push(WORDS[(id * 7 + i * 13) % WORDS.length]);
  return words.join(" ");
}
const clients = Number(process.env.C ?? 4), rounds = Number(process.env.R ?? 4), ptoks = Number(process.env.P ?? 40);
const small = await benchModel("smollm-135m", "Q4_0");
const big = await benchModel("tinyllama-1.1b", "Q4_0");
const tools = await nativeTools({ smokeModel: small });
const home = mkdtempSync(join(tmpdir(), "fh-x-"));
writeFileSync(join(home, "config.json"), JSON.stringify({ runtime: { threads: 2, defaultKeepAliveMs: -1 } }));
await registerLinked(home, { tinyllama: big });
const fh = await startFreehold(home, { FREEHOLD_TRACE_BATCH: process.env.FREEHOLD_TRACE_BATCH });
const ls = await startLlamaServer(tools.server!, big, ["-c", String(Math.max(4096, clients * 512)), "-t", "2", "--parallel", String(clients), "--no-webui"]);
let id = 1000;
const servers = [{ name: "freehold", url: fh.url, model: "tinyllama" }, { name: "llama-server", url: ls.url, model: "m" }];
for (const s of servers) await streamCompletion(s.url, { model: s.model, prompt: prompt(id++, 8), max_tokens: 8, temperature: 0, logit_bias: NO_EOS });
const all: Record<string, number[]> = { freehold: [], "llama-server": [] };
for (let r = 0; r < rounds; r++) {
  for (const s of r % 2 ? [...servers].reverse() : servers) {
    const t0 = performance.now();
    const tt: string[] = [];
    await Promise.all(Array.from({ length: clients }, async (_, c) => {
      for (let k = 0; k < 2; k++) {
        const sent = performance.now() - t0;
        const t = await streamCompletion(s.url, { model: s.model, prompt: prompt(id++, ptoks), max_tokens: 64, temperature: 0, logit_bias: NO_EOS });
        all[s.name].push(t.ttftMs);
        tt.push(`c${c}k${k}@${(sent / 1000).toFixed(2)}:${(t.ttftMs / 1000).toFixed(2)}`);
      }
    }));
    console.log(s.name, ((performance.now() - t0) / 1000).toFixed(2), tt.join(" "));
  }
}
for (const [n, v] of Object.entries(all)) console.log(n, "p50", (percentile(v, 50) / 1000).toFixed(2), "p95", (percentile(v, 95) / 1000).toFixed(2));
await fh.stop(); await ls.stop();
