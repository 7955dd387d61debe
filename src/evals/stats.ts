/** Seeded bootstrap: the same data gives the same interval, so reports are reproducible. */

/** mulberry32: small, fast, good enough for resampling indices. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Estimate {
  mean: number;
  /** 95% percentile-bootstrap interval. */
  low: number;
  high: number;
  n: number;
}

export const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : NaN);

export function bootstrap(xs: number[], opts: { rounds?: number; seed?: number } = {}): Estimate {
  const n = xs.length;
  if (!n) return { mean: NaN, low: NaN, high: NaN, n };
  const rounds = opts.rounds ?? 2000, next = rng(opts.seed ?? 7);
  const means = new Float64Array(rounds);
  for (let r = 0; r < rounds; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += xs[Math.floor(next() * n)];
    means[r] = s / n;
  }
  means.sort();
  const q = (p: number) => means[Math.min(rounds - 1, Math.max(0, Math.floor(p * rounds)))];
  return { mean: mean(xs), low: q(0.025), high: q(0.975), n };
}

export const formatEstimate = (e: Estimate, digits = 3) =>
  Number.isNaN(e.mean) ? "n/a" : `${e.mean.toFixed(digits)} [${e.low.toFixed(digits)}, ${e.high.toFixed(digits)}] (n=${e.n})`;
