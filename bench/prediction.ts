/**
 * Predicted Outputs (OpenAI's `prediction`): how much sooner an answer comes when the caller
 * already knows most of it (a file to edit), and what a wrong prediction costs.
 *
 *   node --import tsx bench/prediction.ts [--quick] [--dry-run]
 *
 * 1. In-process (bench/lib/predictionWorker.ts, the Runtime as `freehold serve` runs it): greedy
 *    answers without a prediction, then with predictions made from each answer's own token ids
 *    that keep all of it, all but one token in 20 or in 8, or none of it. Token ids make the kept
 *    share exact; a model with random weights does not spell its answers the way its tokenizer
 *    splits the same text, so a text prediction of its own answer is only partly kept (2.).
 * 2. Through the HTTP API as shipped: /v1/chat/completions with the earlier answer's text as
 *    `prediction`, against the same request without one.
 * Same file, threads and process for both sides of every ratio; cases in rotating order.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { benchModel, registerLinked } from "./lib/models.ts";
import { fmt, log, median, ratio, runWorker, startFreehold } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";
import { agreed, CASES, type Run } from "./lib/predictionWorker.ts";
import type { ShapeName } from "../src/models/gguf/shapes.ts";

const THREADS = 2;
const MODELS: { shape: ShapeName; type: "Q4_0" | "Q8_0"; label: string }[] = [
  { shape: "smollm-135m", type: "Q4_0", label: "SmolLM-135M shape, Q4_0" },
  { shape: "coder-0.5b", type: "Q8_0", label: "Qwen2.5-Coder-0.5B shape, Q8_0" },
];
const LABEL: Record<(typeof CASES)[number], string> = {
  none: "no prediction", exact: "the answer itself", "edit/20": "the answer, 1 token in 20 replaced",
  "edit/8": "the answer, 1 token in 8 replaced", unrelated: "unrelated tokens",
};

interface HttpRun { plainMs: number; predictedMs: number; tokens: number; accepted: number; rejected: number; same: boolean; agreed: number }

async function httpRuns(file: string, rounds: number, gen: number): Promise<HttpRun[]> {
  const home = mkdtempSync(join(tmpdir(), "fh-bench-prediction-"));
  writeFileSync(join(home, "config.json"), JSON.stringify({ runtime: { threads: THREADS, defaultKeepAliveMs: -1 } }));
  await registerLinked(home, { bench: file });
  const server = await startFreehold(home);
  const chat = async (content: string, prediction?: string) => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "bench", messages: [{ role: "user", content }], max_tokens: gen, temperature: 0, ...(prediction ? { prediction: { type: "content", content: prediction } } : {}) }),
    });
    const json = await res.json() as any;
    if (!res.ok) throw new Error(`HTTP ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
    return { ms: performance.now() - t0, text: json.choices[0].message.content as string, usage: json.usage };
  };
  try {
    const out: HttpRun[] = [];
    for (let r = 0; r < rounds; r++) {
      const content = `Repeat this list with the third item changed, round ${r}: river, stone, lantern, copper, orchard.`;
      const first = await chat(content); // the answer the caller knows, and a warm model
      const [plain, predicted] = r % 2 === 0
        ? [await chat(content), await chat(content, first.text)]
        : [...[await chat(content, first.text), await chat(content)].reverse()];
      const details = predicted.usage.completion_tokens_details ?? {};
      out.push({
        plainMs: plain.ms, predictedMs: predicted.ms, tokens: plain.usage.completion_tokens,
        accepted: details.accepted_prediction_tokens ?? 0, rejected: details.rejected_prediction_tokens ?? 0, same: plain.text === predicted.text,
        agreed: agreed(plain.text, predicted.text),
      });
    }
    return out;
  } finally {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const rounds = opts.quick ? 1 : 3, gen = opts.quick ? 96 : 256, prompts = opts.quick ? 2 : 4;
  const rows: (string | number)[][] = [], httpRows: (string | number)[][] = [];
  let allSame = true;
  for (const m of MODELS) {
    const file = await benchModel(m.shape, m.type, THREADS);
    log("prediction", `${m.label}: in-process`);
    const { runs } = await runWorker<{ runs: Run[] }>("bench/lib/predictionWorker.ts", { path: file, threads: THREADS, rounds, gen, prompts }, { UV_THREADPOOL_SIZE: "1" }, 30 * 60_000);
    // Per prompt and round, each case's time against the same prompt's time without a prediction.
    const plainMs = (p: number) => median(runs.filter((r) => r.case === "none" && r.prompt === p).map((r) => r.ms));
    for (const kind of CASES) {
      const rs = runs.filter((r) => r.case === kind);
      const tokens = rs.reduce((s, r) => s + r.tokens, 0);
      const speedups = rs.map((r) => plainMs(r.prompt) / r.ms);
      allSame &&= rs.every((r) => r.same);
      rows.push([m.label, LABEL[kind], fmt(median(rs.map((r) => (r.tokens / r.ms) * 1000))),
        kind === "none" ? "1.00x" : `${median(speedups).toFixed(2)}x`,
        kind === "none" ? "-" : `${fmt((100 * rs.reduce((s, r) => s + r.accepted, 0)) / tokens, 0)}%`,
        kind === "none" ? "-" : fmt(rs.reduce((s, r) => s + r.rejected, 0) / tokens, 2),
        `${rs.filter((r) => r.same).length} / ${rs.length}`, `${fmt(100 * median(rs.map((r) => r.agreed)), 0)}%`]);
    }
    log("prediction", `${m.label}: HTTP`);
    const http = await httpRuns(file, rounds + 1, gen);
    allSame &&= http.every((r) => r.same);
    const tokens = http.reduce((s, r) => s + r.tokens, 0);
    httpRows.push([m.label, fmt(median(http.map((r) => r.plainMs)) / 1000, 2), fmt(median(http.map((r) => r.predictedMs)) / 1000, 2),
      ratio(median(http.map((r) => r.plainMs)), median(http.map((r) => r.predictedMs))),
      `${fmt((100 * http.reduce((s, r) => s + r.accepted, 0)) / tokens, 0)}%`, fmt(http.reduce((s, r) => s + r.rejected, 0) / tokens, 2),
      `${http.filter((r) => r.same).length} / ${http.length}`, `${fmt(100 * median(http.map((r) => r.agreed)), 0)}%`]);
  }
  const md = [
    "## Predicted Outputs: answers the caller mostly knows",
    "",
    `Machine: ${machine()}. Method: \`bench/prediction.ts\`, ${THREADS} threads, greedy answers of up to ${gen} tokens. ` +
    `In-process: Freehold's Runtime as \`freehold serve\` runs it (UV_THREADPOOL_SIZE=1, its default context and sequences), ${prompts} prompts × ${rounds} round(s), the cases in rotating order; ` +
    "each prompt's answer is first generated without a prediction, and the predictions are made from its token ids: all of them, all but one token in 20 or in 8 (replaced by another id), or none. " +
    "Speed-up = the same prompt's median time without a prediction / this request's time (whole request, prompt included), median over requests; kept = accepted prediction tokens / answer tokens; " +
    "thrown away = rejected prediction tokens (drafted, evaluated, not kept) per answer token. Same answer = the text equals the answer without a prediction. " +
    "Random weights: the speed does not depend on the values, but what the model writes does. A trained model keeps a prediction of the text it would write; this one writes strings like \"bvp bvp chg\" and does not spell them as its tokenizer splits the same text, " +
    "so the kept share is set here through token ids, and the HTTP row below (a text prediction of the model's own earlier answer) shows what random weights make of text.",
    "",
    table(["model", "prediction", "tokens/s", "speed-up", "kept", "thrown away per token", "same answer", "same up to (median share of the text)"], rows),
    "",
    `Through the HTTP API: \`freehold serve\` as shipped, \`POST /v1/chat/completions\` with the text of the model's own earlier answer as \`prediction\`, against the same request without one (${rounds + 1} pairs, alternating which goes first; medians).`,
    "",
    table(["model", "without s", "with prediction s", "speed-up", "kept", "thrown away per token", "same answer", "same up to (median share of the text)"], httpRows),
    "",
    allSame ? "Every answer was the same with and without a prediction." :
      "Answers that differ do so in a near-tie. Random weights give nearly flat distributions: on the 0.5B shape the top candidates sit at about -9.6 nats " +
      "(1 in 15,000) within ~0.05 of each other, and a batch of drafted tokens is computed with other floating-point sums than one token at a time, " +
      "which moved them by ~0.02 here (measured at a first difference: \" ifea\" -9.612 and \" toja\" -9.654 one at a time, -9.628 and -9.624 in a batch). " +
      "The same happens with llama.cpp's own speculative decoding and with a prompt evaluated in other batches (prompt caching); a trained model's top choice usually leads by far more.",
  ].join("\n");
  if (!opts.dryRun) writeSection("prediction", md);
  return md;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
