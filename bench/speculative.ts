/**
 * Speculative decoding with a draft model: how much sooner an answer comes when a small model of
 * the same vocabulary drafts and the target checks, against the target alone, and against
 * llama.cpp's own server doing the same with the same files.
 *
 *   node --import tsx bench/speculative.ts [--quick] [--dry-run]
 *
 * Random weights agree with nothing, so the pairs are the generator's (makeModel `pair`): a target
 * of TinyLlama-1.1B's shape whose layers after the second add `quiet` times their usual output,
 * and a draft of its first two layers (a fifth of its size at Q4_0). quiet 0: they agree on every
 * token; larger, less often. Both servers answer /v1/completions greedily, one request at a
 * time, in turn in each round; tokens/s = completion tokens / the request's wall time.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { benchModel, mib, registerLinked } from "./lib/models.ts";
import { nativeTools, startLlamaServer } from "./lib/native.ts";
import { fmt, log, median, ratio, startFreehold } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";

const THREADS = 2;
const DRAFT_LAYERS = 2;
const CLIENT_REQUESTS = 2;
const CLIENT_TOKENS = 64;
/** The generator's vocabulary: EOS = 2, EOT (<|im_end|>) = 260. */
const NO_EOS = { "2": -100, "260": -100 };
const PROMPTS = ["Once upon a time", "lanterns", "The river", "In the beginning", "Hello"];

interface Level { rate: number; drafted: number; kept: number }

let nextPrompt = 0;
/**
 * `n` clients at once, each sending CLIENT_REQUESTS distinct prompts back to back, CLIENT_TOKENS
 * tokens each (greedy, end of text banned); aggregate tokens/s = all completion tokens / wall time.
 */
async function clients(url: string, n: number, extra: object): Promise<Level> {
  const t0 = performance.now();
  const answers = (await Promise.all(Array.from({ length: n }, async () => {
    const mine: Answer[] = [];
    for (let i = 0; i < CLIENT_REQUESTS; i++) {
      mine.push(await completion(url, { model: "target", prompt: `Story ${nextPrompt++}: ${PROMPTS[nextPrompt % PROMPTS.length]}`,
        max_tokens: CLIENT_TOKENS, temperature: 0, logit_bias: NO_EOS, ...extra }));
    }
    return mine;
  }))).flat();
  const tokens = answers.reduce((m, a) => m + a.tokens, 0);
  return { rate: (tokens * 1000) / (performance.now() - t0), drafted: answers.reduce((m, a) => m + (a.drafted ?? 0), 0), kept: answers.reduce((m, a) => m + (a.kept ?? 0), 0) };
}

/** "kept% of drafted-per-run" over runs, or "-" when none drafted. */
function keptShare(runs: { drafted?: number; kept?: number }[]): string {
  const drafted = runs.reduce((n, r) => n + (r.drafted ?? 0), 0), kept = runs.reduce((n, r) => n + (r.kept ?? 0), 0);
  return drafted ? `${((100 * kept) / drafted).toFixed(0)}% of ${fmt(drafted / runs.length, 0)}` : "-";
}

interface Answer { ms: number; tokens: number; text: string; drafted?: number; kept?: number }
type Ask = (draft: boolean) => Promise<Answer>;

async function completion(url: string, body: object): Promise<Answer> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = await res.json() as any;
  if (!res.ok) throw new Error(`HTTP ${res.status}: ${JSON.stringify(json).slice(0, 300)}`);
  const ms = performance.now() - t0;
  const d = json.usage?.completion_tokens_details ?? json.timings ?? {};
  return { ms, tokens: json.usage.completion_tokens, text: json.choices[0].text, drafted: d.draft_n, kept: d.draft_n_accepted };
}

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const q = opts.quick ?? false;
  const gen = q ? 96 : 256;
  const rounds = q ? 1 : 3;
  const quiets = q ? [0] : [0, 0.02, 0.05, 1];
  const concurrentQuiets = q ? [0] : [0, 0.02];
  const levels = q ? [1, 4] : [1, 2, 4, 8];
  const concurrentRows: (string | number)[][] = [];
  const rows: (string | number)[][] = [];
  const notes: string[] = [];
  let build = "";
  for (const quiet of quiets) {
    const pair = { draftLayers: DRAFT_LAYERS, quiet };
    const target = await benchModel("tinyllama-1.1b", "Q4_0", THREADS, pair);
    const draft = await benchModel("tinyllama-1.1b", "Q4_0", THREADS, { ...pair, draft: true });
    const tools = await nativeTools({ smokeModel: draft });
    build = tools.build;
    if (!tools.server) throw new Error("no llama-server in the native build");
    const home = mkdtempSync(join(tmpdir(), "fh-bench-speculative-"));
    writeFileSync(join(home, "config.json"), JSON.stringify({ runtime: { threads: THREADS, defaultKeepAliveMs: -1 } }));
    await registerLinked(home, { target, draft });
    const servers: { stop(): Promise<void> }[] = [];
    try {
      const fh = await startFreehold(home);
      servers.push(fh);
      const llama = await startLlamaServer(tools.server, target, ["-t", String(THREADS), "-c", "2048", "-np", "1"]);
      servers.push(llama);
      const llamaDraft = await startLlamaServer(tools.server, target, ["-t", String(THREADS), "-c", "2048", "-np", "1",
        "-md", draft, "-td", String(THREADS), "--spec-type", "draft-simple", "--spec-draft-n-max", "16"]);
      servers.push(llamaDraft);

      // A prompt whose greedy answer runs the whole length (no end of text before it).
      let prompt = PROMPTS[0];
      for (const p of PROMPTS) {
        if ((await completion(fh.url, { model: "target", prompt: p, max_tokens: gen, temperature: 0 })).tokens >= gen) { prompt = p; break; }
      }
      const body = { prompt, max_tokens: gen, temperature: 0 };
      const ours: Ask = (d) => completion(fh.url, { model: "target", ...body, ...(d ? { draft_model: "draft" } : {}) });
      const theirs: Ask = (d) => completion(d ? llamaDraft.url : llama.url, { model: "target", ...body });
      // The draft length is learned per pair of models over the first answers (src/runtime/draft.ts): two to learn it.
      for (const ask of [ours, theirs]) { await ask(false); await ask(true); await ask(true); }

      const runs = new Map<string, Answer[]>();
      const add = (k: string, a: Answer) => runs.set(k, [...(runs.get(k) ?? []), a]);
      for (let r = 0; r < rounds; r++) {
        const order: [string, Ask, boolean][] = [["fh", ours, false], ["fh+d", ours, true], ["ll", theirs, false], ["ll+d", theirs, true]];
        for (const [k, ask, d] of r % 2 ? order.reverse() : order) {
          const a = await ask(d);
          add(k, a);
          log("speculative", `quiet ${quiet}, round ${r + 1}, ${k}: ${a.tokens} tokens, ${fmt((a.tokens * 1000) / a.ms)} tokens/s` +
            (a.drafted !== undefined ? `, ${a.kept} of ${a.drafted} drafted kept` : ""));
        }
      }
      const rate = (k: string) => median((runs.get(k) ?? []).map((a) => (a.tokens * 1000) / a.ms));
      const kept = (k: string) => keptShare(runs.get(k) ?? []);
      const same = (runs.get("fh") ?? []).every((a, i) => a.text === runs.get("fh+d")?.[i]?.text);
      if (!same) notes.push(`quiet ${quiet}: a drafted answer differed from the plain one (a near-tie decided the other way in a batch)`);
      rows.push([`quiet ${quiet}`, kept("fh+d"), fmt(rate("fh")), fmt(rate("fh+d")), ratio(rate("fh+d"), rate("fh")),
        kept("ll+d"), fmt(rate("ll")), fmt(rate("ll+d")), ratio(rate("ll+d"), rate("ll")), ratio(rate("fh+d"), rate("ll+d"))]);
      if (concurrentQuiets.includes(quiet)) {
        for (const n of levels) {
          // Freehold's bandit has learned this pair's draft length above; llama-server serves N slots, with the draft and without.
          const cells = ["-c", String(Math.max(4096, 512 * n)), "-np", String(n)];
          const ll = await startLlamaServer(tools.server, target, ["-t", String(THREADS), ...cells]);
          const lld = await startLlamaServer(tools.server, target, ["-t", String(THREADS), ...cells,
            "-md", draft, "-td", String(THREADS), "--spec-type", "draft-simple", "--spec-draft-n-max", "16"]);
          try {
            const sides: [string, string, object][] = [["fh", fh.url, {}], ["fh+d", fh.url, { draft_model: "draft" }], ["ll", ll.url, {}], ["ll+d", lld.url, {}]];
            const got = new Map<string, Level[]>();
            for (let r = 0; r < rounds; r++) {
              for (const [k, url, extra] of r % 2 ? [...sides].reverse() : sides) {
                const x = await clients(url, n, extra);
                got.set(k, [...(got.get(k) ?? []), x]);
                log("speculative", `quiet ${quiet}, ${n} clients, round ${r + 1}, ${k}: ${fmt(x.rate)} tokens/s, ${x.kept} of ${x.drafted} drafted kept`);
              }
            }
            const agg = (k: string) => median((got.get(k) ?? []).map((x) => x.rate));
            const keptOf = (k: string) => keptShare(got.get(k) ?? []);
            concurrentRows.push([`quiet ${quiet}`, n, fmt(agg("fh")), fmt(agg("fh+d")), ratio(agg("fh+d"), agg("fh")), keptOf("fh+d"),
              fmt(agg("ll")), fmt(agg("ll+d")), ratio(agg("ll+d"), agg("ll")), keptOf("ll+d"), ratio(agg("fh+d"), agg("ll+d"))]);
          } finally {
            await lld.stop();
            await ll.stop();
          }
        }
      }
      if (quiet === quiets[0]) notes.push(`Files: target ${mib(statSync(target).size)}, draft ${mib(statSync(draft).size)}; prompt "${prompt}".`);
    } finally {
      for (const s of servers.reverse()) await s.stop();
      rmSync(home, { recursive: true, force: true });
    }
  }

  const md = [
    "## Speculative decoding with a draft model",
    "",
    `Machine: ${machine()}. llama-server: built from node-llama-cpp's bundled llama.cpp source (${build}).`,
    "",
    "Method: `bench/speculative.ts`. Random weights agree with nothing, so the pairs are the generator's own (makeModel's `pair`): " +
    `a target of TinyLlama-1.1B's shape whose layers after the first ${DRAFT_LAYERS} add \`quiet\` times their usual output to the residual stream, ` +
    `and a draft of its first ${DRAFT_LAYERS} layers, both at Q4_0 (Freehold's quantizer): with quiet 0 the two compute the same next token, ` +
    "with more they agree less often. `freehold serve` with both registered, and llama-server with the target alone and with `-md <draft> " +
    "--spec-type draft-simple --spec-draft-n-max 16` (its other draft settings at their defaults: p-min 0), all with " +
    `${THREADS} threads, one request at a time: \`/v1/completions\`, ${gen} tokens greedy (a prompt whose answer runs that long), ` +
    `Freehold's drafted one with \`draft_model\` (draft_max 16, the default). Each server first answers once plainly and twice drafted ` +
    `(Freehold learns the draft length per pair of models over its first answers), then ${rounds} round(s) in alternating order; medians. ` +
    "tokens/s = completion tokens / the request's wall time. Kept = drafted tokens the target kept, and drafted tokens per answer; " +
    "\"-\": no measured answer drafted (once no draft length beats none for a pair, Freehold drafts in one request in 8 only).",
    "",
    table(["pair", "Freehold: kept", "Freehold alone tok/s", "Freehold + draft tok/s", "speed-up",
      "llama-server: kept", "llama-server alone tok/s", "llama-server + draft tok/s", "speed-up", "Freehold / llama-server, drafted"], rows),
    "",
    "Reading it: on 2 cores, checking a batch of 17 tokens costs the target about 8.5 single steps, and a token of this draft about " +
    "0.17 of a step (timed separately, 2026-11-25), so a draft pays only when most of it is kept. Freehold learns per pair of models " +
    "which draft length gives the most tokens per second, none included, and stops drafting for pairs where none pays; " +
    "llama-server drafts its fixed length whatever comes of it.",
    ...notes,
    "",
    "### Several clients at once",
    "",
    `N clients, each sending ${CLIENT_REQUESTS} requests back to back (every prompt distinct, ${CLIENT_TOKENS} tokens greedy, end of text banned with ` +
    "`logit_bias`); aggregate = all completion tokens / wall time, medians of the rounds, the four sides in alternating order. " +
    "The same Freehold server as above (its draft length already learned for the pair, from the single answers); llama-server " +
    "restarted with `--parallel N -c max(4096, 512·N)` for each N, alone and with the draft as above.",
    "",
    table(["pair", "clients", "Freehold alone tok/s", "Freehold + draft tok/s", "speed-up", "Freehold: kept",
      "llama-server alone tok/s", "llama-server + draft tok/s", "speed-up", "llama-server: kept", "Freehold / llama-server, drafted"], concurrentRows),
    "",
    "Reading it: on a CPU a batch of several sequences already uses the compute a draft saves, so a drafted sequence's gain is " +
    "paid by the others in its batch, which its own timing cannot see. Freehold drafts for a sequence only while it is the only " +
    "one generating on its model (src/runtime/draft.ts, DraftSource.busy). Before, in two runs on 2026-11-25: drafting beside one " +
    "other sequence, the agreeing pair made 1.22x the target's own rate at 2 clients but the quiet 0.02 pair 0.87x (the learned " +
    "length said drafting paid: each sequence's cycles were timed beside the other's drafts); beside any number, the agreeing pair " +
    "made 0.95x at 4 clients and 0.88x at 8. llama-server drafts for all its slots in one batched round, and gains at 2-8 clients " +
    "where its drafts agree (and loses the most where they do not); Freehold's drafts, each in turn with its own sequence, fall out of step across sequences.",
  ].join("\n");
  if (!opts.dryRun) writeSection("speculative", md);
  return md;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }).then((md) => console.log(md), (e) => {
    console.error(e);
    process.exit(1);
  });
}
