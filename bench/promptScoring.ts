/**
 * Prompt scoring (`echo` + `logprobs` on /v1/completions, what lm-evaluation-harness's likelihood
 * tasks send): tokens/s of scoring a 512-token prompt through `freehold serve`, against
 * evaluating the same prompt plainly (max_tokens 1) and against llama.cpp's `llama-perplexity`,
 * which computes the same full-vocabulary log-softmax at every position, on the same file and
 * threads.
 *
 *   node --import tsx bench/promptScoring.ts [--quick] [--dry-run]
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { benchModel, registerLinked } from "./lib/models.ts";
import { nativeTools } from "./lib/native.ts";
import { fmt, log, median, ratio, startFreehold } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";

const THREADS = 2;
const TOKENS = 512;
const exec = promisify(execFile);
const SHAPES = [["smollm-135m", "SmolLM-135M shape"], ["tinyllama-1.1b", "TinyLlama-1.1B shape"]] as const;

/** A text of common words, enough for several 512-token chunks of llama-perplexity. */
const WORDS = "the of and to in is was for on that with as by at from his her it an are were be this which or had not but they have one all their".split(" ");
const text = Array.from({ length: 4000 }, (_, i) => WORDS[(i * 7919) % WORDS.length]).join(" ");

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const rounds = opts.quick ? 1 : 3;
  const rows: (string | number)[][] = [];
  let build = "";
  for (const [shape, label] of SHAPES) {
    const file = await benchModel(shape, "Q4_0", THREADS);
    const tools = await nativeTools({ smokeModel: file });
    if (!tools.perplexity) throw new Error("no native llama-perplexity next to llama-bench");
    build = tools.build;
    const home = mkdtempSync(join(tmpdir(), "fh-bench-scoring-"));
    writeFileSync(join(home, "config.json"), JSON.stringify({ runtime: { threads: THREADS, defaultKeepAliveMs: -1 } }));
    writeFileSync(join(home, "text.txt"), text);
    await registerLinked(home, { m: file });
    const freehold = await startFreehold(home);
    try {
      // Ids inside every shape's vocabulary; the same prompt each time (completions are not prompt-cached).
      const ids = Array.from({ length: TOKENS }, (_, i) => 1 + ((i * 7919) % 30000));
      const complete = async (extra: object) => {
        const t = performance.now();
        const res = await fetch(`${freehold.url}/v1/completions`, {
          method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", prompt: ids, temperature: 0, ...extra }),
        });
        const body = (await res.json()) as { choices?: { logprobs?: { token_logprobs: unknown[] } }[] };
        if (!res.ok) throw new Error(`freehold: ${JSON.stringify(body)}`);
        return { ms: performance.now() - t, scored: body.choices?.[0]?.logprobs?.token_logprobs.length ?? 0 };
      };
      const perplexity = async () => {
        const { stderr } = await exec(tools.perplexity!, ["-m", file, "-f", join(home, "text.txt"), "-c", String(TOKENS), "-b", String(TOKENS),
          "--chunks", "3", "-t", String(THREADS)], { maxBuffer: 64 << 20, timeout: 600_000 });
        // Its log lines start with the time since start (minutes.seconds.milliseconds.microseconds):
        // from "calculating perplexity" to "Final estimate" it evaluates and scores the 3 chunks.
        // (The chunk scores share a line with the next timestamp: the stamp is the last one before the marker.)
        const at = (marker: string) => {
          const end = stderr.indexOf(marker);
          const m = [...stderr.slice(0, Math.max(0, end)).matchAll(/(\d+)\.(\d+)\.(\d+)\.(\d+) I /g)].at(-1);
          if (end < 0 || !m) throw new Error(`llama-perplexity printed no "${marker}" line:\n${stderr.slice(-2000)}`);
          return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) / 1e3 + Number(m[4]) / 1e6;
        };
        return (3 * TOKENS) / (at("Final estimate") - at("calculating perplexity"));
      };
      await complete({ max_tokens: 1 }); // load
      const plain: number[] = [], scored: number[] = [], native: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const s = await complete({ max_tokens: 0, echo: true, logprobs: 1 });
        if (s.scored !== TOKENS) throw new Error(`scored ${s.scored} tokens, not ${TOKENS}`);
        scored.push((TOKENS / s.ms) * 1000);
        plain.push((TOKENS / (await complete({ max_tokens: 1 })).ms) * 1000);
        native.push(await perplexity());
        log("promptScoring", `${label} round ${r + 1}: scored ${fmt(scored.at(-1)!)} / plain ${fmt(plain.at(-1)!)} / llama-perplexity ${fmt(native.at(-1)!)} tok/s`);
      }
      const [sc, pl, nat] = [median(scored), median(plain), median(native)];
      rows.push([label, THREADS, fmt(sc), fmt(pl), fmt(nat), ratio(sc, nat), ratio(sc, pl)]);
    } finally {
      await freehold.stop();
      rmSync(home, { recursive: true, force: true });
    }
  }
  const md = [
    "## Prompt scoring (echo + logprobs) against llama-perplexity",
    "",
    `Machine: ${machine()}. llama-perplexity: built from node-llama-cpp's bundled llama.cpp source (${build}).`,
    "",
    `Method: \`bench/promptScoring.ts\`, ${rounds} round(s), medians. \`freehold serve\` (threads ${THREADS}) scores a ${TOKENS}-token prompt given as token ids: ` +
    "`POST /v1/completions` with `echo: true, logprobs: 1, max_tokens: 0` (every position's log-probability of the next prompt token and its top alternative, " +
    "as lm-evaluation-harness's `local-completions` asks), timed by the client; the same prompt evaluated plainly (`max_tokens: 1`); and " +
    `\`llama-perplexity -c ${TOKENS} -b ${TOKENS} --chunks 3\` on the same file and threads, which computes the full log-softmax at every position of each chunk ` +
    "(timed from its own log, from \"calculating perplexity\" to the final estimate). Generated models, random weights, Q4_0.",
    "",
    table(["model", "threads", "scored tok/s (Freehold)", "plain prompt tok/s (Freehold)", "llama-perplexity tok/s", "scored / llama-perplexity", "scored / plain"], rows),
    "",
    "Where the difference goes: node-llama-cpp hands each position's logits to JavaScript through a native call of its own (one `sampleToken` per " +
    "position, on the thread pool, with the sum of exp(logit − max) over the vocabulary), so a scored prompt pays that per token on top of the " +
    "evaluation, where llama-perplexity reads the logits buffer in place. The maximum logit the log-softmax needs comes from the greedy sampler's " +
    "choice (`includeSelected`): asked for as the top-1 alternative (`includeTop`), a partial sort of the vocabulary at every position, scoring ran at " +
    "0.26x llama-perplexity on the SmolLM-135M shape and 0.72x on the TinyLlama-1.1B shape (same method, 2026-11-24); more than one alternative " +
    "(`logprobs` > 1) still takes that path.",
  ].join("\n");
  if (!opts.dryRun) writeSection("promptScoring", md);
  return md;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
