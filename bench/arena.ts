/**
 * Arena leaderboard: 100,000 simulated battles among 30 models, Bradley-Terry MLE plus 1,000
 * bootstrap rounds (issue 6: goal < 5 s on 2 cores). Single thread; peak memory is sampled.
 */
import { performance } from "node:perf_hooks";
import { bootstrap } from "../src/arena/bootstrap.ts";
import type { Outcome } from "../src/arena/pairs.ts";
import { mulberry32 } from "../src/arena/random.ts";
import { machine, table, writeSection } from "./lib/report.ts";

const MODELS = 30, BATTLES = 100_000, ROUNDS = 1000;

function battles(): { names: string[]; outcomes: Outcome[] } {
  const rand = mulberry32(1), names = Array.from({ length: MODELS }, (_, i) => `model-${i}`);
  const strength = names.map((_, i) => 1300 - i * 15);
  const outcomes: Outcome[] = [];
  for (let n = 0; n < BATTLES; n++) {
    const a = Math.floor(rand() * MODELS);
    const b = (a + 1 + Math.floor(rand() * (MODELS - 1))) % MODELS;
    const p = 1 / (1 + 10 ** ((strength[b] - strength[a]) / 400));
    const u = rand();
    outcomes.push({ modelA: names[a], modelB: names[b], winner: u < 0.1 ? "tie" : rand() < p ? "model_a" : "model_b" });
  }
  return { names, outcomes };
}

export async function run() {
  const { names, outcomes } = battles();
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const fit1 = bootstrap(names, outcomes, { rounds: 1 });
  const t1 = performance.now();
  const res = bootstrap(names, outcomes, { rounds: ROUNDS, seed: 42 });
  const t2 = performance.now();
  // maxRSS is the kernel's high-water mark: a timer could not sample inside this synchronous loop.
  const peak = process.resourceUsage().maxRSS * 1024;
  const width = Array.from(res.ciHigh, (h, i) => h - res.ciLow[i]);
  const md = `## Arena leaderboard (Bradley-Terry + bootstrap)

${machine()}. ${BATTLES.toLocaleString("en")} simulated battles (10% ties) among ${MODELS} models, ratings 15 points apart;
MLE by Newton on the aggregated ${MODELS}×${MODELS} win matrix, then ${ROUNDS} multinomial bootstrap rounds
(alias-table draws, warm-started refits), one thread. Peak RSS is the process high-water mark (includes building the battle list); growth is from just before fitting.

${table(["step", "time", "peak RSS", "RSS growth"], [
    ["aggregate + MLE + 1 round", `${(t1 - t0).toFixed(0)} ms`, "", ""],
    [`MLE + ${ROUNDS} bootstrap rounds`, `${((t2 - t1) / 1000).toFixed(2)} s`, `${(peak / 2 ** 20).toFixed(0)} MiB`, `${((peak - rss0) / 2 ** 20).toFixed(0)} MiB`],
  ])}

Mean 95% CI width ${(width.reduce((s, w) => s + w, 0) / MODELS).toFixed(1)} points; top model ${names[0]} rated ${fit1.rating[0].toFixed(0)} (rank ${res.rank[0]}).
Goal (issue 6): < 5 s on 2 cores.
`;
  writeSection("arena", md);
  console.log(md);
}
