/**
 * Style control (LMSYS, Aug 2024): the Bradley-Terry logistic regression with style covariates
 * added, z = ln10·(θ_a − θ_b) + Σ γ_f·x_f. The θ part are ratings with style effects removed;
 * γ shows how much the votes reward length and markdown. Rows are battles (covariates are per
 * battle, so no K×K aggregation); Newton on K+F parameters with preallocated arrays.
 */
import { BASE, SCALE, choleskySolve } from "./bradleyTerry.ts";
import { STYLE_NAMES } from "./style.ts";

const ALPHA = Math.LN10;
const RIDGE = 1e-6;
const F = STYLE_NAMES.length;

export interface StyleData {
  k: number;
  a: Int32Array;
  b: Int32Array;
  /** 1 A won, 0 B won, 0.5 tie. */
  y: Float64Array;
  /** N×F z-scored covariates from styleMatrix. */
  x: Float64Array;
}

export class StyleFitter {
  readonly beta: Float64Array;
  private readonly grad: Float64Array;
  private readonly hess: Float64Array;
  private readonly games: Float64Array;
  private readonly g0: Float64Array;
  private readonly col = new Int32Array(2 + F);
  private readonly val = new Float64Array(2 + F);

  constructor(readonly k: number) {
    const d = k + F;
    this.beta = new Float64Array(d);
    this.grad = new Float64Array(d);
    this.g0 = new Float64Array(d);
    this.hess = new Float64Array(d * d);
    this.games = new Float64Array(k);
  }

  /** Writes style-controlled ratings (mean 1000 over models that played, NaN otherwise) to `out`; returns γ. */
  fit(data: StyleData, out: Float64Array, weights?: ArrayLike<number>, warm = false): Float64Array {
    const { k, beta, grad, hess, games, g0, col, val } = this, d = k + F;
    if (!warm) beta.fill(0);
    games.fill(0);
    for (let r = 0; r < data.y.length; r++) {
      const w = weights ? weights[r] : 1;
      games[data.a[r]] += w; games[data.b[r]] += w;
    }
    for (let iter = 0; iter < 50; iter++) {
      grad.fill(0); hess.fill(0);
      for (let i = 0; i < d; i++) { grad[i] = RIDGE * beta[i]; hess[i * d + i] = RIDGE; }
      for (let r = 0; r < data.y.length; r++) {
        const w = weights ? weights[r] : 1;
        if (w === 0) continue;
        col[0] = data.a[r]; val[0] = ALPHA; col[1] = data.b[r]; val[1] = -ALPHA;
        let z = ALPHA * (beta[col[0]] - beta[col[1]]);
        for (let f = 0; f < F; f++) { col[2 + f] = k + f; val[2 + f] = data.x[r * F + f]; z += beta[k + f] * val[2 + f]; }
        const p = 1 / (1 + Math.exp(-z)), g = w * (p - data.y[r]), h = w * p * (1 - p);
        for (let u = 0; u < 2 + F; u++) {
          grad[col[u]] += g * val[u];
          for (let v = 0; v < 2 + F; v++) hess[col[u] * d + col[v]] += h * val[u] * val[v];
        }
      }
      g0.set(grad);
      choleskySolve(hess, grad, d);
      let max = 0, dec = 0;
      for (let i = 0; i < d; i++) { max = Math.max(max, Math.abs(grad[i])); dec += g0[i] * grad[i]; }
      const damp = max > 2 ? 2 / max : 1;
      for (let i = 0; i < d; i++) beta[i] -= damp * grad[i];
      // Newton decrement g·H⁻¹g, not the step size: the shift direction that only the tiny ridge
      // pins is nearly flat, and rounding noise there would otherwise keep the step from vanishing.
      if (dec < 1e-12) break;
    }
    let mean = 0, played = 0;
    for (let i = 0; i < k; i++) if (games[i] > 0) { mean += beta[i]; played++; }
    mean = played ? mean / played : 0;
    for (let i = 0; i < k; i++) out[i] = games[i] > 0 ? SCALE * (beta[i] - mean) + BASE : NaN;
    return beta.subarray(k);
  }
}
