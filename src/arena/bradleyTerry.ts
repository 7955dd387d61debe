/**
 * Bradley-Terry by maximum likelihood, the number FastChat's elo_analysis.py (compute_mle_elo)
 * reports: P(i beats j) = 1 / (1 + 10^((R_j - R_i)/400)), ties half a win to each side, fitted
 * on the aggregated K×K win matrix. Newton's method with preallocated typed arrays: no
 * allocation per iteration, so the bootstrap can call `fit` a thousand times cheaply.
 *
 * Regularisation: an L2 penalty ½·RIDGE·θ² (a N(0, 1) prior on θ in log10 units, i.e. 400
 * points; the same as sklearn's default C = 1 that FastChat's style-control fit carries, see
 * methods.md §1.1(b)). A model that never lost gets a finite, moderate rating instead of running
 * away; with hundreds of votes per model the shrinkage is well under a point.
 *
 * Anchoring: θ is identifiable only up to a constant, and only within a connected component of
 * the comparison graph (methods.md §1.4.3): each component is shifted on its own so the
 * vote-weighted mean of its models is BASE (1000), so a model with three votes cannot move the
 * established ones; or so `anchor.model` sits at `anchor.rating` in its component (FastChat
 * pins mixtral-8x7b-instruct-v0.1 at 1114).
 */
export const SCALE = 400;
export const BASE = 1000;
const ALPHA = Math.LN10;
const RIDGE = 1;
const MAX_STEP = 2; // log10 units (800 points): damps Newton while far from the optimum

export interface Anchor { model: string; rating: number }

export class BradleyTerryFitter {
  readonly theta: Float64Array;
  /** Component per model (from `components`); computed from the wins of each fit when unset. */
  groups?: Int32Array;
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
    const groups = this.groups ?? components(wins, k);
    for (let i = 0; i < k; i++) out[i] = games[i] > 0 ? SCALE * theta[i] + this.shift(groups, groups[i], anchorIndex, anchorRating) : NaN;
    return out;
  }

  /** What moves component g's θ onto the rating scale: its anchor, else a vote-weighted mean of BASE. */
  private shift(groups: Int32Array, g: number, anchorIndex: number, anchorRating: number): number {
    if (anchorIndex >= 0 && groups[anchorIndex] === g) return anchorRating - SCALE * this.theta[anchorIndex];
    let s = 0, n = 0;
    for (let i = 0; i < this.k; i++) if (groups[i] === g) { s += this.games[i] * this.theta[i]; n += this.games[i]; }
    return n ? BASE - SCALE * s / n : BASE;
  }

  /**
   * Standard errors in rating points of the last fit, relative to each model's anchor (the
   * Laplace approximation: the inverse Hessian of the penalised likelihood). Unlike a bootstrap
   * this stays wide when there are too few votes to resample (one vote, or a 3-0 record).
   */
  standardErrors(wins: Float64Array, anchorIndex = -1): Float64Array {
    const { k, theta, games } = this;
    const h = new Float64Array(k * k), inv = new Float64Array(k * k), col = new Float64Array(k);
    for (let i = 0; i < k; i++) h[i * k + i] = RIDGE;
    for (let i = 0; i < k; i++) for (let j = i + 1; j < k; j++) {
      const n = wins[i * k + j] + wins[j * k + i];
      if (n === 0) continue;
      const p = 1 / (1 + Math.exp(-ALPHA * (theta[i] - theta[j]))), v = ALPHA * ALPHA * n * p * (1 - p);
      h[i * k + i] += v; h[j * k + j] += v; h[i * k + j] -= v; h[j * k + i] -= v;
    }
    cholesky(h, k);
    for (let c = 0; c < k; c++) { col.fill(0); col[c] = 1; solveFactored(h, col, k); for (let r = 0; r < k; r++) inv[r * k + c] = col[r]; }
    const groups = this.groups ?? components(wins, k), se = new Float64Array(k);
    for (let i = 0; i < k; i++) {
      if (games[i] === 0) { se[i] = NaN; continue; }
      // Var(c·θ) = cᵀH⁻¹c with c = e_i − (anchor weights of i's component)
      const c = new Float64Array(k);
      if (anchorIndex >= 0 && groups[anchorIndex] === groups[i]) c[anchorIndex] = -1;
      else {
        let n = 0;
        for (let j = 0; j < k; j++) if (groups[j] === groups[i]) n += games[j];
        for (let j = 0; j < k; j++) if (groups[j] === groups[i]) c[j] = -games[j] / n;
      }
      c[i] += 1;
      let v = 0;
      for (let a = 0; a < k; a++) if (c[a]) for (let b = 0; b < k; b++) v += c[a] * inv[a * k + b] * c[b];
      se[i] = SCALE * Math.sqrt(Math.max(0, v));
    }
    return se;
  }
}

/**
 * Connected components of the comparison graph (models joined by at least one game), numbered
 * 1, 2, ... largest first (ties: first model first); 0 for a model without games.
 */
export function components(wins: Float64Array, k: number): Int32Array {
  const label = new Int32Array(k).fill(-1), size: number[] = [];
  for (let s = 0; s < k; s++) {
    if (label[s] >= 0) continue;
    let played = false;
    for (let j = 0; j < k; j++) if (wins[s * k + j] + wins[j * k + s] > 0) played = true;
    if (!played) continue;
    const g = size.length, stack = [s];
    label[s] = g; size.push(0);
    while (stack.length) {
      const i = stack.pop()!;
      size[g]++;
      for (let j = 0; j < k; j++) if (label[j] < 0 && wins[i * k + j] + wins[j * k + i] > 0) { label[j] = g; stack.push(j); }
    }
  }
  const order = size.map((_, g) => g).sort((x, y) => size[y] - size[x] || x - y), number = new Int32Array(size.length);
  order.forEach((g, n) => { number[g] = n + 1; });
  return Int32Array.from(label, (g) => (g < 0 ? 0 : number[g]));
}

/** Solves A x = b in place (A symmetric positive definite, overwritten by its Cholesky factor; b by x). */
export function choleskySolve(a: Float64Array, b: Float64Array, n: number): void {
  cholesky(a, n);
  solveFactored(a, b, n);
}

function cholesky(a: Float64Array, n: number): void {
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
}

function solveFactored(a: Float64Array, b: Float64Array, n: number): void {
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
