/**
 * Code completion as an editor plugin asks for it: llama.vim's /infill requests while someone
 * types, against `freehold serve` as shipped, the same server with a `seed` in every request
 * (seeded requests never reuse a prompt: the uncached baseline) and `llama-server --parallel 1`
 * (its `cache_prompt` is on by default), on a generated model of Qwen2.5-Coder-0.5B's shape at Q8_0.
 *
 *   node --import tsx bench/infill.ts [--quick] [--dry-run]
 *
 * Each session: a ~120-line source file, the cursor in its middle, two snippets of other files
 * (llama.vim's ring buffer) and one request per "keystroke", each with three more characters of
 * prefix. Every server gets the same requests; each runs a whole session at a time, in turn.
 */
import { pathToFileURL } from "node:url";
import { benchModel } from "./lib/models.ts";
import { fmt, log, median, ratio } from "./lib/proc.ts";
import { machine, table, writeSection } from "./lib/report.ts";
import { startSideBySide } from "./lib/sideBySide.ts";

const THREADS = 2;
const N_PREDICT = 16;
const NAMES = "river stone lantern copper orchard velvet thunder meadow harbor signal ember quartz willow falcon cedar prism".split(" ");

/** A Python-looking file of `lines` lines, different for each `salt`. */
function sourceFile(lines: number, salt: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const a = NAMES[(i * 7 + salt) % NAMES.length], b = NAMES[(i * 3 + salt * 5 + 1) % NAMES.length];
    out.push(i % 6 === 0 ? `def ${a}_${b}(${a}, ${b}=${i}):` : `    ${a} = ${b}.get("${a}", ${i}) + len(${b})`);
  }
  return out.join("\n") + "\n";
}

interface Server { name: string; url: string; extra: Record<string, unknown> }
interface Timed { ms: number; evaluated: number; predicted: number }

async function infill(s: Server, body: Record<string, unknown>): Promise<Timed> {
  const t0 = performance.now();
  const res = await fetch(`${s.url}/infill`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, ...s.extra }) });
  const json = await res.json() as { timings?: { prompt_n: number; predicted_n: number }; error?: unknown };
  if (!res.ok || !json.timings) throw new Error(`${s.name}: HTTP ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return { ms: performance.now() - t0, evaluated: json.timings.prompt_n, predicted: json.timings.predicted_n };
}

export async function run(opts: { quick?: boolean; dryRun?: boolean } = {}): Promise<string> {
  const keystrokes = opts.quick ? 4 : 8, sessions = opts.quick ? 1 : 3;
  const file = await benchModel("coder-0.5b", "Q8_0", THREADS);
  const { freehold, native, stop } = await startSideBySide(file, "coder", THREADS);
  try {
    const servers: Server[] = [
      { name: "Freehold", url: freehold.url, extra: {} },
      { name: "Freehold, uncached (seed)", url: freehold.url, extra: { seed: 1 } },
      { name: "llama-server", url: native.url, extra: {} },
    ];
    for (const s of servers) await infill(s, { input_prefix: "def f(", input_suffix: ")", n_predict: 2 });
    // [server][keystroke] over sessions
    const results = new Map(servers.map((s) => [s.name, Array.from({ length: keystrokes }, () => [] as Timed[])]));
    for (let c = 0; c < sessions; c++) {
      const text = sourceFile(120, c);
      const cursor = text.indexOf("\n", Math.floor(text.length / 2)) + 1;
      const extra = [1, 2].map((k) => ({ text: sourceFile(24, c * 10 + k), filename: `lib${k}.py` }));
      const typed = `    result = ${NAMES[c % NAMES.length]}`;
      for (const [k] of servers.entries()) {
        const s = servers[(k + c) % servers.length];
        for (let i = 0; i < keystrokes; i++) {
          const body = {
            input_prefix: text.slice(0, cursor), input_suffix: text.slice(cursor), input_extra: extra,
            prompt: typed + "xyz".repeat(i), n_predict: N_PREDICT, temperature: 0, top_k: 40, top_p: 0.9,
            samplers: ["top_k", "top_p"], cache_prompt: true, stream: false,
          };
          results.get(s.name)![i].push(await infill(s, body));
        }
        log("infill", `session ${c + 1}, ${s.name}: ${results.get(s.name)!.map((x) => fmt(x.at(-1)!.ms / 1000, 2)).join(" ")} s`);
      }
    }
    const rows = Array.from({ length: keystrokes }, (_, i) => {
      const [ours, uncached, server] = servers.map((s) => results.get(s.name)![i]);
      const ms = (xs: Timed[]) => median(xs.map((x) => x.ms));
      const ev = (xs: Timed[]) => median(xs.map((x) => x.evaluated));
      return [i + 1, fmt(ms(ours) / 1000, 2), fmt(ms(uncached) / 1000, 2), fmt(ms(server) / 1000, 2),
        `${ev(ours)} / ${ev(uncached)} / ${ev(server)}`, ratio(ms(uncached), ms(ours)), ratio(ms(server), ms(ours))];
    });
    const predicted = servers.map((s) => results.get(s.name)!.flat().reduce((n, x) => n + x.predicted, 0));
    const md = [
      "## Code completion (/infill) as an editor asks for it",
      "",
      `Machine: ${machine()}. Method: \`bench/infill.ts\`. ${sessions} session(s) of ${keystrokes} requests on a generated model of Qwen2.5-Coder-0.5B's shape at Q8_0 ` +
      "(llama.vim's suggestion for small machines; FIM tokens, random weights), each as llama.vim sends it to `POST /infill`: a ~120-line file with the cursor in its middle, " +
      `two ~24-line snippets of other files as \`input_extra\`, the cursor line as \`prompt\`, growing by three characters per request, ${N_PREDICT} tokens, temperature 0, not streamed; ` +
      "latency = request to whole answer as the client sees it, median over sessions. `freehold serve` as shipped (runtime.threads 2); the same server with a `seed` in every request, " +
      `which never reuses a prompt (the uncached baseline); \`llama-server --parallel 1 -c 4096 -t ${THREADS}\` with its default \`cache_prompt\`. ` +
      "Both build the same prompt (llama-server's format_prompt_infill: snippets, then prefix and suffix within a 2,048-token budget). Each server runs a whole session at a time, in rotating order. " +
      `Tokens generated in all: ${predicted.join(" / ")} (Freehold / uncached / llama-server).`,
      "",
      "",
      "What each request pays for: everything from the first token that changed, i.e. the cursor line and the ~500 suffix tokens after it (the snippets and the prefix, ~2,800 tokens, are reused), the same tokens on both servers, since the prompt is built the same way (the counts above match token for token). llama-server's `--cache-reuse` would not help here: it shifts cached chunks that moved, not the text after an insertion. The first request of a session reuses only the repository header its warm-up left.",
      "",
      table(["request", "latency s Freehold", "latency s uncached", "latency s llama-server", "prompt tokens evaluated (Freehold / uncached / llama-server)", "uncached / Freehold", "llama-server / Freehold"], rows),
    ].join("\n");
    if (!opts.dryRun) writeSection("infill", md);
    return md;
  } finally {
    await stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await run({ quick: process.argv.includes("--quick"), dryRun: process.argv.includes("--dry-run") }));
}
