/** Style features of one answer, as FastChat's conv_metadata counts them (tokens approximated by words). */
export interface StyleFeatures { length: number; headers: number; lists: number; bold: number }
export const STYLE_NAMES = ["length", "headers", "lists", "bold"] as const;

export function styleFeatures(answer: string): StyleFeatures {
  return {
    length: answer.split(/\s+/).filter(Boolean).length,
    headers: (answer.match(/^#{1,6}\s/gm) ?? []).length,
    lists: (answer.match(/^\s*(?:[-*+]|\d+\.)\s/gm) ?? []).length,
    bold: (answer.match(/\*\*[^*\n]+\*\*|__[^_\n]+__/g) ?? []).length,
  };
}

/**
 * Per-battle covariates: (f_a − f_b)/(f_a + f_b + 1) per feature, then z-scored across battles
 * (construct_style_matrices with apply_ratio and add_one). Row-major N×4.
 */
export function styleMatrix(pairs: { a: StyleFeatures; b: StyleFeatures }[]): Float64Array {
  const n = pairs.length, f = STYLE_NAMES.length, x = new Float64Array(n * f);
  pairs.forEach(({ a, b }, r) => STYLE_NAMES.forEach((name, c) => {
    x[r * f + c] = (a[name] - b[name]) / (a[name] + b[name] + 1);
  }));
  for (let c = 0; c < f; c++) {
    let mean = 0, sq = 0;
    for (let r = 0; r < n; r++) mean += x[r * f + c] / n;
    for (let r = 0; r < n; r++) sq += (x[r * f + c] - mean) ** 2;
    const sd = Math.sqrt(sq / n);
    // A constant feature (no markdown anywhere) carries no information: leave it at zero.
    for (let r = 0; r < n; r++) x[r * f + c] = sd > 1e-12 ? (x[r * f + c] - mean) / sd : 0;
  }
  return x;
}
