/**
 * Battles aggregated into a K×K matrix: after this, fitting costs depend on K only, not on
 * the number of battles. wins[i*K+j] is how often i beat j, a tie adding 0.5 to both cells
 * (FastChat duplicates each battle and splits a tie into one win each way: same likelihood).
 */
export type Winner = "model_a" | "model_b" | "tie" | "tie (bothbad)";

export interface Outcome {
  modelA: string;
  modelB: string;
  winner: Winner;
}

export interface PairCounts {
  models: string[];
  k: number;
  wins: Float64Array;
}

export const isTie = (w: Winner) => w === "tie" || w === "tie (bothbad)";

/** `models` fixes the index order (and may list models without outcomes). */
export function aggregate(outcomes: Iterable<Outcome>, models?: string[]): PairCounts {
  const list = models ? [...models] : [];
  const index = new Map(list.map((m, i) => [m, i]));
  const rows: [number, number, Winner][] = [];
  const idx = (m: string) => {
    let i = index.get(m);
    if (i === undefined) { i = list.length; list.push(m); index.set(m, i); }
    return i;
  };
  for (const o of outcomes) rows.push([idx(o.modelA), idx(o.modelB), o.winner]);
  const k = list.length;
  const wins = new Float64Array(k * k);
  for (const [a, b, w] of rows) {
    if (w === "model_a") wins[a * k + b] += 1;
    else if (w === "model_b") wins[b * k + a] += 1;
    else { wins[a * k + b] += 0.5; wins[b * k + a] += 0.5; }
  }
  return { models: list, k, wins };
}
