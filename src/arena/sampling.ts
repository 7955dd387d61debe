/**
 * Which two models meet. "least-compared" draws among the pairs with the fewest battles so far,
 * so coverage of the comparison graph grows evenly and no model is favoured by being shown more
 * (the unequal sampling "The Leaderboard Illusion" criticises); "uniform" draws any pair. The
 * sides are shuffled either way, so a position bias cannot follow a model.
 */
import { invalid } from "../errors.ts";
import type { SamplingStrategy } from "./config.ts";
import { pairKey } from "./votes.ts";

export interface DrawnPair { a: string; b: string; pairBattles: number }

/** `random` returns [0, 1); pass a seeded one in tests. */
export function drawPair(
  candidates: string[], counts: Map<string, number>, strategy: SamplingStrategy, random: () => number = Math.random,
): DrawnPair {
  const models = [...new Set(candidates)].sort();
  if (models.length < 2) throw invalid(`the arena needs at least two models to draw from, found ${models.length}`, "pool");
  const pairs: [string, string, number][] = [];
  for (let i = 0; i < models.length; i++)
    for (let j = i + 1; j < models.length; j++) pairs.push([models[i], models[j], counts.get(pairKey(models[i], models[j])) ?? 0]);
  const fewest = Math.min(...pairs.map((p) => p[2]));
  const eligible = strategy === "uniform" ? pairs : pairs.filter((p) => p[2] === fewest);
  const [x, y, n] = eligible[Math.floor(random() * eligible.length)];
  return random() < 0.5 ? { a: x, b: y, pairBattles: n } : { a: y, b: x, pairBattles: n };
}
