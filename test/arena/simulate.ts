/** Simulated votes from known strengths (ratings), with an optional judge that likes long answers. */
import type { Winner } from "../../src/arena/pairs.ts";
import { mulberry32 } from "../../src/arena/random.ts";

export interface SimBattle { modelA: string; modelB: string; winner: Winner; counted: boolean; answerA: string; answerB: string }

export function simulate(opts: {
  ratings: Record<string, number>; n: number; seed?: number; tieRate?: number;
  /** Words per answer by model (default 50) and the judge's bonus (log-odds) per z-unit of length difference. */
  words?: Record<string, number>; lengthBias?: number;
}): SimBattle[] {
  const rand = mulberry32(opts.seed ?? 1), names = Object.keys(opts.ratings), out: SimBattle[] = [];
  const answer = (m: string) => "word ".repeat(Math.max(1, Math.round((opts.words?.[m] ?? 50) * Math.exp(2 * rand() - 1))));
  for (let i = 0; i < opts.n; i++) {
    const a = names[Math.floor(rand() * names.length)];
    let b = a;
    while (b === a) b = names[Math.floor(rand() * names.length)];
    const answerA = answer(a), answerB = answer(b);
    const la = answerA.length, lb = answerB.length;
    const bias = (opts.lengthBias ?? 0) * ((la - lb) / (la + lb + 1)) * 4; // ≈ z-scale for these lengths
    const p = 1 / (1 + 10 ** ((opts.ratings[b] - opts.ratings[a]) / 400) * Math.exp(-bias));
    const u = rand();
    const winner: Winner = u < (opts.tieRate ?? 0) ? "tie" : rand() < p ? "model_a" : "model_b";
    out.push({ modelA: a, modelB: b, winner, counted: true, answerA, answerB });
  }
  return out;
}
