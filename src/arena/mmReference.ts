/**
 * Independent reference fit: Hunter's (2004) minorisation-maximisation for Bradley-Terry,
 * p_i ← W_i / Σ_j n_ij / (p_i + p_j). Slow but simple; tests check the Newton fit against it.
 * Ratings are 400·log10(p_i), shifted to mean 1000 like the main fit.
 */
export function mmRatings(k: number, wins: Float64Array, iterations = 20_000): Float64Array {
  const p = new Float64Array(k).fill(1);
  const next = new Float64Array(k);
  for (let it = 0; it < iterations; it++) {
    for (let i = 0; i < k; i++) {
      let w = 0, denom = 0;
      for (let j = 0; j < k; j++) {
        if (j === i) continue;
        const n = wins[i * k + j] + wins[j * k + i];
        w += wins[i * k + j];
        if (n > 0) denom += n / (p[i] + p[j]);
      }
      next[i] = denom > 0 ? w / denom : p[i];
    }
    let logMean = 0;
    for (let i = 0; i < k; i++) logMean += Math.log(next[i]) / k;
    for (let i = 0; i < k; i++) p[i] = next[i] / Math.exp(logMean);
  }
  const r = new Float64Array(k);
  for (let i = 0; i < k; i++) r[i] = 400 * Math.log10(p[i]);
  let mean = 0;
  for (let i = 0; i < k; i++) mean += r[i] / k;
  for (let i = 0; i < k; i++) r[i] += 1000 - mean;
  return r;
}
