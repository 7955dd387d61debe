/**
 * `npm run bench`: runs every benchmark, or those named (`npm run bench -- runtime memory`).
 * Each writes its own section of BENCHMARKS.md. Flags pass through: --quick, --dry-run.
 *
 * A bench is a module in bench/ that exports `run(opts)`. One that does not (a script that runs
 * at import) is skipped with a note, since importing it would run it with its own arguments.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const ALL = ["runtime", "memory", "serving", "promptCache", "infill", "prediction", "speculative", "promptScoring", "rerank", "lora", "quantize", "gateway", "arena", "evals", "webRender"];
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith("-"));
const opts = { quick: args.includes("--quick"), dryRun: args.includes("--dry-run") };
const chosen = names.length ? names : ALL;

const EXPORTS_RUN = /export\s+(async\s+)?function\s+run\s*\(|export\s+const\s+run\s*=|export\s*\{[^}]*\brun\b[^}]*\}/;
const failures: string[] = [];
for (const name of chosen) {
  const file = join(import.meta.dirname, `${name}.ts`);
  if (!existsSync(file)) {
    console.error(`[bench] ${name}: no bench/${name}.ts; known: ${ALL.join(", ")}`);
    failures.push(name);
    continue;
  }
  if (!EXPORTS_RUN.test(readFileSync(file, "utf8"))) {
    console.error(`[bench] ${name}: skipped — bench/${name}.ts does not export run(); run it directly (node --import tsx bench/${name}.ts)`);
    continue;
  }
  const t = performance.now();
  console.error(`[bench] ${name}: starting`);
  try {
    const mod = (await import(pathToFileURL(file).href)) as { run?: (o: typeof opts) => Promise<string | void> };
    if (typeof mod.run !== "function") {
      console.error(`[bench] ${name}: skipped — no run() export`);
      continue;
    }
    const md = await mod.run(opts);
    if (md) console.log(`${md}\n`);
    console.error(`[bench] ${name}: done in ${((performance.now() - t) / 1000).toFixed(0)} s`);
  } catch (e) {
    console.error(`[bench] ${name}: FAILED after ${((performance.now() - t) / 1000).toFixed(0)} s: ${(e as Error).stack ?? e}`);
    failures.push(name);
  }
}
if (failures.length) {
  console.error(`[bench] failed: ${failures.join(", ")}`);
  process.exitCode = 1;
}
// Native handles (llama.cpp, PGlite) can keep the loop alive after the benches closed them.
setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
