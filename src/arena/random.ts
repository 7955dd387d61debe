/** Seeded PRNG (mulberry32): bootstrap CIs must be reproducible for a given seed. */
export function mulberry32(seed: number): () => number {
  const state = Uint32Array.of(seed);
  return () => nextUniform(state);
}

/** One mulberry32 step on `state[0]`; a plain function so hot loops avoid a closure call. */
export function nextUniform(state: Uint32Array): number {
  const a = (state[0] = (state[0] + 0x6d2b79f5) >>> 0);
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/**
 * Walker's alias table: O(1) draws from a fixed discrete distribution, so a multinomial
 * resample of n battles costs n cheap draws whatever the number of outcome cells.
 */
export class AliasTable {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;
  readonly size: number;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    this.size = n;
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    let total = 0;
    for (let i = 0; i < n; i++) total += weights[i];
    const scaled = new Float64Array(n);
    const small: number[] = [], large: number[] = [];
    for (let i = 0; i < n; i++) {
      scaled[i] = (weights[i] * n) / total;
      (scaled[i] < 1 ? small : large).push(i);
    }
    while (small.length && large.length) {
      const s = small.pop()!, l = large.pop()!;
      this.prob[s] = scaled[s];
      this.alias[s] = l;
      scaled[l] = scaled[l] + scaled[s] - 1;
      (scaled[l] < 1 ? small : large).push(l);
    }
    for (const i of large) this.prob[i] = 1;
    for (const i of small) this.prob[i] = 1; // rounding leftovers
  }

  /** Adds a Multinomial(n, weights) sample to `counts`; `state` is a mulberry32 state. */
  multinomial(n: number, counts: Float64Array, state: Uint32Array): void {
    const { prob, alias, size } = this;
    for (let d = 0; d < n; d++) {
      const u = nextUniform(state) * size;
      const i = Math.floor(u);
      counts[u - i < prob[i] ? i : alias[i]]++;
    }
  }

  draw(rand: () => number): number {
    const u = rand() * this.size;
    const i = Math.floor(u);
    return u - i < this.prob[i] ? i : this.alias[i];
  }
}
