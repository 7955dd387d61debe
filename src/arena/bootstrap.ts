/**
 * 95% confidence intervals by bootstrap over battles, as FastChat's
 * get_bootstrap_result_elo_mle_with_tie does: each round draws Multinomial(n, w/Σw) over the
 * unique (a, b, outcome) cells, which is the same as resampling n battles with replacement
 * but costs one alias-table draw per battle and a K×K refit.
 *
 * A bootstrap over few battles is degenerate (one vote, or a 3-0 record, resamples to itself
 * every round), so each interval is at least as wide as the Laplace interval of the
 * regularised fit (rating ± 1.96 standard errors). Ranks only compare models of the same
 * connected comparison group (methods.md §1.4.3).
 */
import { BradleyTerryFitter, BASE, components } from "./bradleyTerry.ts";
import { type Outcome, isTie } from "./pairs.ts";
import { AliasTable } from "./random.ts";

export interface BootstrapOptions { rounds?: number; seed?: number; anchorIndex?: number; anchorRating?: number }
export interface BootstrapResult {
  /** Point estimate on all data (NaN for models without games). */
  rating: Float64Array;
  ciLow: Float64Array;
  ciHigh: Float64Array;
  /** 1 + number of models of the same group whose lower bound is above this model's upper bound. */
  rank: Int32Array;
  /** Connected comparison group, 1 = largest (0: no games); ratings are not comparable across groups. */
  group: Int32Array;
}

/** Unique outcome cells: a beat b (kind 0), b beat a (1) or tie (2), with counts. */
function cells(outcomes: Outcome[], index: Map<string, number>) {
  const map = new Map<number, number>();
  const k = index.size;
  for (const o of outcomes) {
    const kind = o.winner === "model_a" ? 0 : o.winner === "model_b" ? 1 : isTie(o.winner) ? 2 : -1;
    if (kind < 0) continue;
    const key = (index.get(o.modelA)! * k + index.get(o.modelB)!) * 3 + kind;
    map.set(key, (map.get(key) ?? 0) + 1);
  }
  const keys = Int32Array.from(map.keys());
  const counts = Float64Array.from(map.values());
  return { keys, counts };
}

function fillWins(wins: Float64Array, k: number, keys: Int32Array, counts: ArrayLike<number>) {
  wins.fill(0);
  for (let c = 0; c < keys.length; c++) {
    const n = counts[c];
    if (n === 0) continue;
    const kind = keys[c] % 3, pair = (keys[c] - kind) / 3, a = Math.floor(pair / k), b = pair % k;
    if (kind === 0) wins[a * k + b] += n;
    else if (kind === 1) wins[b * k + a] += n;
    else { wins[a * k + b] += n / 2; wins[b * k + a] += n / 2; }
  }
}

export function bootstrap(models: string[], outcomes: Outcome[], opts: BootstrapOptions = {}): BootstrapResult {
  const rounds = Math.max(1, opts.rounds ?? 1000);
  const k = models.length;
  const index = new Map(models.map((m, i) => [m, i]));
  const { keys, counts } = cells(outcomes, index);
  const n = counts.reduce((s, c) => s + c, 0);
  const wins = new Float64Array(k * k);
  const fitter = new BradleyTerryFitter(k);
  const ai = opts.anchorIndex ?? -1, ar = opts.anchorRating ?? BASE;
  fillWins(wins, k, keys, counts);
  const group = components(wins, k);
  fitter.groups = group;
  const rating = fitter.fit(wins, new Float64Array(k), ai, ar);
  const full = Float64Array.from(fitter.theta);
  const se = fitter.standardErrors(wins, ai);

  const samples = new Float64Array(rounds * k);
  const draw = new Float64Array(keys.length);
  const out = new Float64Array(k);
  if (keys.length > 0) {
    const alias = new AliasTable(counts);
    const state = Uint32Array.of(opts.seed ?? 42);
    for (let r = 0; r < rounds; r++) {
      draw.fill(0);
      alias.multinomial(n, draw, state);
      fillWins(wins, k, keys, draw);
      fitter.theta.set(full); // warm start from the full-data fit: fewer Newton steps
      fitter.fit(wins, out, ai, ar, true);
      samples.set(out, r * k);
    }
  }
  return { rating, ...intervals(samples, rounds, k, rating, se, group), group };
}

/**
 * 2.5% and 97.5% quantiles per model (numpy's linear interpolation), widened to rating ± 1.96·se
 * when standard errors are given, then the CI-overlap rank within each group.
 */
export function intervals(samples: Float64Array, rounds: number, k: number, rating: Float64Array, se?: Float64Array, group?: Int32Array) {
  const ciLow = new Float64Array(k), ciHigh = new Float64Array(k), col = new Float64Array(rounds);
  for (let m = 0; m < k; m++) {
    let valid = 0;
    for (let r = 0; r < rounds; r++) { const v = samples[r * k + m]; if (!Number.isNaN(v)) col[valid++] = v; }
    if (valid === 0 || Number.isNaN(rating[m])) { ciLow[m] = ciHigh[m] = NaN; continue; }
    const sorted = col.subarray(0, valid).sort();
    ciLow[m] = quantile(sorted, 0.025);
    ciHigh[m] = quantile(sorted, 0.975);
    if (se && !Number.isNaN(se[m])) {
      ciLow[m] = Math.min(ciLow[m], rating[m] - 1.96 * se[m]);
      ciHigh[m] = Math.max(ciHigh[m], rating[m] + 1.96 * se[m]);
    }
  }
  return { ciLow, ciHigh, rank: ranks(ciLow, ciHigh, group) };
}

const quantile = (sorted: Float64Array, q: number) => {
  const pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
};

export function ranks(ciLow: Float64Array, ciHigh: Float64Array, group?: Int32Array): Int32Array {
  const k = ciLow.length, rank = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    let above = 0;
    for (let j = 0; j < k; j++) if (j !== i && (!group || group[j] === group[i]) && ciLow[j] > ciHigh[i]) above++;
    rank[i] = Number.isNaN(ciHigh[i]) ? 0 : 1 + above;
  }
  return rank;
}
