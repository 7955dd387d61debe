/**
 * Bradley-Terry by maximum likelihood, the number FastChat's elo_analysis.py (compute_mle_elo)
 * reports: P(i beats j) = 1 / (1 + 10^((R_j - R_i)/400)), ties half a win to each side, fitted
 * on the aggregated K×K win matrix. Newton's method with preallocated typed arrays: no
 * allocation per iteration, so the bootstrap can call `fit` a thousand times cheaply.
 *
 * Anchoring: θ is identifiable only up to a constant. Ratings are shifted so the mean over
 * models that played is BASE (1000), or so `anchor.model` sits at `anchor.rating` (FastChat
 * pins mixtral-8x7b-instruct-v0.1 at 1114). A tiny ridge (RIDGE) keeps a model that never
 * lost, or a disconnected comparison graph, finite; its bias is far below 0.01 points
 * on connected data.
 */
export const SCALE = 400;
export const BASE = 1000;
const ALPHA = Math.LN10;
const RIDGE = 1e-6;
const MAX_STEP = 2; // log10 units (800 points): damps Newton while far from the optimum

export interface Anchor { model: string; rating: number }

export class BradleyTerryFitter {
  readonly theta: Float64Array;
  private readonly grad: Float64Array;
  private readonly hess: Float64Array;
  private readonly games: Float64Array;
  private readonly g0: Float64Array;

  constructor(readonly k: number) {
    this.theta = new Float64Array(k);
    this.grad = new Float64Array(k);
    this.g0 = new Float64Array(k);
    this.hess = new Float64Array(k * k);
    this.games = new Float64Array(k);
  }

  /** Fits `wins` (K×K, row beat column) and writes ratings to `out`; NaN for models without games. */
  fit(wins: Float64Array, out: Float64Array, anchorIndex = -1, anchorRating = BASE, warm = false): Float64Array {
    const { k, theta, grad, hess, games, g0 } = this;
    if (!warm) theta.fill(0);
    games.fill(0);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) games[i] += wins[i * k + j] + wins[j * k + i];
    for (let iter = 0; iter < 100; iter++) {
      grad.fill(0);
      hess.fill(0);
      for (let i = 0; i < k; i++) {
        grad[i] = RIDGE * theta[i];
        hess[i * k + i] = RIDGE;
      }
      for (let i = 0; i < k; i++) {
        for (let j = i + 1; j < k; j++) {
          const wij = wins[i * k + j], wji = wins[j * k + i], n = wij + wji;
          if (n === 0) continue;
          const p = 1 / (1 + Math.exp(-ALPHA * (theta[i] - theta[j])));
          const g = ALPHA * (n * p - wij), h = ALPHA * ALPHA * n * p * (1 - p);
          grad[i] += g; grad[j] -= g;
          hess[i * k + i] += h; hess[j * k + j] += h;
          hess[i * k + j] -= h; hess[j * k + i] -= h;
        }
      }
      g0.set(grad);
      choleskySolve(hess, grad, k); // grad now holds the Newton step
      let max = 0, dec = 0;
      for (let i = 0; i < k; i++) { max = Math.max(max, Math.abs(grad[i])); dec += g0[i] * grad[i]; }
      const damp = max > MAX_STEP ? MAX_STEP / max : 1;
      for (let i = 0; i < k; i++) theta[i] -= damp * grad[i];
      // Newton decrement g·H⁻¹g, not the step size: the shift direction that only the tiny ridge
      // pins is nearly flat, and rounding noise there would otherwise keep the step from vanishing.
      if (dec < 1e-12) break;
    }
    let shift = 0, played = 0;
    if (anchorIndex >= 0) shift = anchorRating - SCALE * theta[anchorIndex];
    else {
      for (let i = 0; i < k; i++) if (games[i] > 0) { shift -= SCALE * theta[i]; played++; }
      shift = played ? shift / played + BASE : BASE;
    }
    for (let i = 0; i < k; i++) out[i] = games[i] > 0 ? SCALE * theta[i] + shift : NaN;
    return out;
  }
}

/** Solves A x = b in place (A symmetric positive definite, overwritten by its Cholesky factor; b by x). */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let p = 0; p < j; p++) d -= a[j * n + p] * a[j * n + p];
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let p = 0; p < j; p++) s -= a[i * n + p] * a[j * n + p];
      a[i * n + j] = s / l;
    }
  }
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= a[i * n + p] * b[p];
    b[i] = s / a[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let p = i + 1; p < n; p++) s -= a[p * n + i] * b[p];
    b[i] = s / a[i * n + i];
  }
}

/** One-shot convenience: model name → rating (models without games omitted). */
export function fitRatings(models: string[], wins: Float64Array, anchor?: Anchor): Map<string, number> {
  const k = models.length;
  const out = new Float64Array(k);
  const ai = anchor ? models.indexOf(anchor.model) : -1;
  new BradleyTerryFitter(k).fit(wins, out, ai, anchor?.rating ?? BASE);
  const map = new Map<string, number>();
  models.forEach((m, i) => { if (!Number.isNaN(out[i])) map.set(m, out[i]); });
  return map;
}
