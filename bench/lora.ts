/**
 * What a LoRA adapter costs: a model made FROM the 1.1B shape with an ADAPTER line against the
 * same weights without it, through `freehold serve`, side by side with llama.cpp's own server
 * without and with `--lora` on the same files: generation tokens/s of one stream, and the first
 * token of a ~500-token prompt.
 *
 *   node --import tsx bench/lora.ts [--quick] [--dry-run]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openApp } from "../src/app.ts";
import { makeAdapter } from "../src/models/gguf/makeAdapter.ts";
import { benchModel, MODELS_DIR, registerLinked } from "./lib/models.ts";
import { nativeTools, startLlamaServer } from "./lib/native.ts";
import { fmt, log, median, startFreehold } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";
import { streamCompletion } from "./lib/sse.ts";

const THREADS = 2;
const RANK = 16, ALPHA = 32, TARGETS = ["attn_q", "attn_k", "attn_v", "attn_output"];
/** The generator's EOS and EOT, banned so every answer runs to max_tokens. */
const NO_EOS = { "2": -100, "260": -100 };
const WORDS = "river stone lantern copper orchard velvet thunder meadow harbor signal ember quartz willow falcon cedar prism canyon ribbon glacier tundra".split(" ");
const text = (id: number, words: number) => [`request ${id}:`, ...Array.from({ length: words }, (_, i) => WORDS[(id * 7 + i * 13) % WORDS.length])].join(" ");

interface Side { name: string; url: string; model: string }

/** Decode tokens/s of one streamed 128-token answer, between its first and last token. */
async function decode(s: Side, id: number): Promise<number> {
  const t = await streamCompletion(s.url, { model: s.model, prompt: text(id, 3), max_tokens: 128, temperature: 0, logit_bias: NO_EOS });
  const n = t.usageTokens ?? t.chunks;
  if (n !== 128) throw new Error(`${s.name}: ${n} tokens, not 128`);
  return (n - 1) / (t.decodeMs / 1000);
}

/** Prompt tokens/s: a distinct ~500-token prompt's token count / its time to the first token. */
async function prefill(s: Side, id: number): Promise<number> {
  const t = await streamCompletion(s.url, { model: s.model, prompt: text(id, 200), max_tokens: 1, temperature: 0 });
  return (t.promptTokens ?? 500) / (t.ttftMs / 1000);
}

/** `clients` streams at once, each `perClient` requests of 64 tokens back to back; aggregate generated tokens/s. `body(c)`: client c's model and fields. */
async function together(url: string, clients: number, perClient: number, idBase: number, body: (c: number) => Record<string, unknown>): Promise<number> {
  const t0 = performance.now();
  let tokens = 0;
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let k = 0; k < perClient; k++) {
      const t = await streamCompletion(url, { ...body(c), prompt: text(idBase + c * perClient + k, 16), max_tokens: 64, temperature: 0, logit_bias: NO_EOS });
      tokens += t.usageTokens ?? 64;
    }
  }));
  return tokens / ((performance.now() - t0) / 1000);
}

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const rounds = opts.quick ? 2 : 8;
  const file = await benchModel("tinyllama-1.1b", "Q4_0", THREADS);
  const adapter = join(MODELS_DIR, `tinyllama-1.1b-lora-r${RANK}-${file.split("-").at(-2)}.gguf`);
  const made = await makeAdapter({ base: file, path: adapter, rank: RANK, alpha: ALPHA, targets: TARGETS, type: "f32" });
  const tools = await nativeTools({ smokeModel: await benchModel("smollm-135m", "Q4_0", THREADS) });
  if (!tools.server) throw new Error("no native llama-server next to llama-bench");

  const home = mkdtempSync(join(tmpdir(), "fh-bench-lora-"));
  writeFileSync(join(home, "config.json"), JSON.stringify({ runtime: { threads: THREADS, defaultKeepAliveMs: -1 } }));
  await registerLinked(home, { base: file });
  {
    const app = await openApp({ home });
    try {
      const a = await app.models.addAdapter(adapter, file, { name: "lora.gguf" });
      await app.models.copy("base", "tuned", { adapters: [{ name: a.name, sha256: a.sha256 }] });
    } finally {
      await app.close();
    }
  }
  const freehold = await startFreehold(home);
  const plainServer = await startLlamaServer(tools.server, file, ["-c", "4096", "-t", String(THREADS), "--parallel", "1", "--no-webui"]);
  const loraServer = await startLlamaServer(tools.server, file, ["-c", "4096", "-t", String(THREADS), "--parallel", "1", "--no-webui", "--lora", adapter]);
  const CLIENTS = 4, mixedRounds = opts.quick ? 1 : 3;
  const loraParallel = await startLlamaServer(tools.server, file, ["-c", String(CLIENTS * 1024), "-t", String(THREADS), "--parallel", String(CLIENTS), "--no-webui", "--lora", adapter]);
  const sides: Side[] = [
    { name: "Freehold", url: freehold.url, model: "base" },
    { name: "Freehold + adapter", url: freehold.url, model: "tuned" },
    { name: "llama-server", url: plainServer.url, model: "m" },
    { name: "llama-server --lora", url: loraServer.url, model: "m" },
  ];
  const tg = new Map<string, number[]>(), pp = new Map<string, number[]>(), mixed = new Map<string, number[]>();
  const pairs = [[sides[0], sides[1]], [sides[2], sides[3]]];
  let id = 1;
  try {
    for (const s of sides) await decode(s, id++); // loads (and makes the adapter's context)
    // Each server's plain and adapted runs back to back (which goes first alternates), so their
    // ratio is taken on the same state of this shared machine; the servers alternate too.
    // Several clients: all on the adapter, against half of them on the base weights (Freehold: the
    // plain model; llama-server: the adapter at scale 0), which cannot share a decode with the others.
    for (let r = 0; r < mixedRounds; r++) {
      const steps: [string, () => Promise<number>][] = [
        ["Freehold same", () => together(freehold.url, CLIENTS, 2, 100_000 + r * 1000, () => ({ model: "tuned" }))],
        ["Freehold mixed", () => together(freehold.url, CLIENTS, 2, 200_000 + r * 1000, (c) => ({ model: c % 2 ? "tuned" : "base" }))],
        ["llama-server same", () => together(loraParallel.url, CLIENTS, 2, 300_000 + r * 1000, () => ({ model: "m" }))],
        ["llama-server mixed", () => together(loraParallel.url, CLIENTS, 2, 400_000 + r * 1000, (c) => ({ model: "m", ...(c % 2 ? {} : { lora: [{ id: 0, scale: 0 }] }) }))],
      ];
      for (const [name, step] of r % 2 ? [...steps].reverse() : steps) {
        mixed.set(name, [...(mixed.get(name) ?? []), await step()]);
        log("lora", `${CLIENTS} clients, round ${r + 1}, ${name}: ${fmt(mixed.get(name)!.at(-1)!)} tok/s`);
      }
    }
    for (let r = 0; r < rounds; r++) {
      for (const pair of r % 2 ? [...pairs].reverse() : pairs) {
        for (const s of Math.floor(r / 2) % 2 ? [...pair].reverse() : pair) {
          tg.set(s.name, [...(tg.get(s.name) ?? []), await decode(s, id++)]);
          pp.set(s.name, [...(pp.get(s.name) ?? []), await prefill(s, id++)]);
          log("lora", `round ${r + 1}, ${s.name}: tg ${fmt(tg.get(s.name)!.at(-1)!)} pp ${fmt(pp.get(s.name)!.at(-1)!)} tok/s`);
        }
      }
    }
  } finally {
    await Promise.allSettled([freehold.stop(), plainServer.stop(), loraServer.stop(), loraParallel.stop()]);
    rmSync(home, { recursive: true, force: true });
  }
  const m = (x: Map<string, number[]>, name: string) => median(x.get(name)!);
  /** The median over rounds of a / b within each round. */
  const perRound = (x: Map<string, number[]>, a: string, b: string) => `${median(x.get(a)!.map((v, r) => v / x.get(b)![r])).toFixed(2)}x`;
  const rows = [["Freehold", "Freehold + adapter"], ["llama-server", "llama-server --lora"]].map(([plain, adapted]) => [
    plain.startsWith("Freehold") ? "Freehold (ADAPTER in a Modelfile)" : "llama-server (--lora)",
    fmt(m(tg, plain)), fmt(m(tg, adapted)), perRound(tg, adapted, plain),
    fmt(m(pp, plain)), fmt(m(pp, adapted)), perRound(pp, adapted, plain),
  ]);
  const md = [
    "## LoRA adapters: what an adapter costs",
    "",
    `Machine: ${machine()}. llama-server: built from node-llama-cpp's bundled llama.cpp source (${tools.build}).`,
    "",
    `Method: \`bench/lora.ts\`, ${rounds} rounds; in each, a server's plain and adapted model run back to back (which first alternates, and which server first), ratios taken within a round, then the median. The TinyLlama-1.1B shape at Q4_0 (generated, random weights) and a generated ` +
    `LoRA adapter for it (\`freehold dev make-adapter\`: rank ${RANK}, alpha ${ALPHA}, on ${TARGETS.join(", ")} of every layer, F32 as llama.cpp's convert_lora_to_gguf.py writes by default, ` +
    `${(made.bytes / 1e6).toFixed(1)} MB). \`freehold serve\` (${THREADS} threads) with the plain model and one made FROM it with an ADAPTER line, each warmed by one request; ` +
    `\`llama-server -c 4096 -t ${THREADS} --parallel 1\` without and with \`--lora\`. tg = (tokens − 1) / (last − first token) of one streamed \`/v1/completions\` answer of 128 tokens ` +
    "(EOS banned, temperature 0); pp = prompt tokens / time to the first token of a distinct ~500-token prompt.",
    "",
    table(["server", "tg tok/s plain", "tg tok/s adapted", "adapted / plain", "pp tok/s plain", "pp tok/s adapted", "adapted / plain"], rows),
    "",
    `Freehold's adapted / llama-server's adapted: tg ${perRound(tg, "Freehold + adapter", "llama-server --lora")}, pp ${perRound(pp, "Freehold + adapter", "llama-server --lora")}. ` +
    "Both apply the adapter unmerged, as llama.cpp does (x·A, then ·B, scaled, beside each adapted weight's product), so generation reads the adapter's tensors with every token.",
    "",
    `### ${CLIENTS} clients at once: one adapter, or half on the base weights`,
    "",
    `${CLIENTS} clients, each 2 streamed requests of 64 tokens back to back (~40-token prompts), ${mixedRounds} rounds, medians; aggregate = generated tokens / wall time. ` +
    `Same: every client on the adapted model. Mixed: every other client on the base weights (Freehold: the plain model, which shares the adapted model's weights and context; ` +
    `\`llama-server --lora --parallel ${CLIENTS} -c ${CLIENTS * 1024}\`: \`lora: [{"id": 0, "scale": 0}]\` on those requests). llama.cpp sets adapters per decode, so neither server decodes the two groups together: ` +
    "Freehold's sets take turns of 8 batches (a switch makes llama.cpp reserve its compute graph again, ~16 ms on this shape), each set's sequences on consecutive ids " +
    "(llama.cpp decodes only those together); llama-server decodes the adapter set of its first generating slot (in slot order), and the other set's requests wait until those end.",
    "",
    table(["server", "same adapter tok/s", "mixed tok/s", "mixed / same"], [["Freehold", "Freehold"], ["llama-server", "llama-server"]].map(([label, k]) => [
      label, fmt(m(mixed, `${k} same`)), fmt(m(mixed, `${k} mixed`)), `${(m(mixed, `${k} mixed`) / m(mixed, `${k} same`)).toFixed(2)}x`,
    ])),
  ].join("\n");
  if (!opts.dryRun) writeSection("lora", md);
  return md;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
