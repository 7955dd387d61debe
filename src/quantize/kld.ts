/**
 * The statistics of llama.cpp's `llama-perplexity --kl-divergence` (tools/perplexity/
 * perplexity.cpp: log_softmax, process_logits, kl_divergence), computed the same way:
 * KL(base ‖ quant) per scored position over the tokens whose base log-probability exceeds −16,
 * "same top p" as argmax agreement (first index wins ties), perplexities from the negative
 * log-likelihood of the actual next token, percentiles by linear interpolation.
 * One deliberate difference: llama.cpp stores the base log-probs as scaled uint16, which puts
 * a floor of about 0.0005 under every KLD; we keep float32, so a model against itself gives 0.
 */

/** log-softmax with max subtraction, into float32 (both sides identically, so self-KL is exactly 0). */
export function logSoftmax(logits: ArrayLike<number>, out = new Float32Array(logits.length)): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const lse = max + Math.log(sum);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
  return out;
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

export interface KlSummary {
  positions: number;
  meanKld: number;
  meanKldUncertainty: number;
  medianKld: number;
  p99Kld: number;
  p999Kld: number;
  maxKld: number;
  /** Share of positions where both models' most likely token is the same (llama.cpp's "Same top p"). */
  top1Agreement: number;
  pplBase: number;
  pplQuant: number;
  /** PPL(Q)/PPL(base) = exp(mean ln ratio). */
  pplRatio: number;
  /** RMS of the change in the correct token's probability. */
  rmsDeltaP: number;
}

export class KlAccumulator {
  private kld: number[] = [];
  private sumNll = 0;
  private sumNllBase = 0;
  private sumDp2 = 0;
  private sameTop = 0;

  /** One scored position: log-probs of both models over the vocabulary, and the actual next token. */
  add(base: Float32Array, quant: Float32Array, nextToken: number): void {
    let kl = 0;
    for (let i = 0; i < base.length; i++) {
      if (base[i] > -16) kl += Math.exp(base[i]) * (base[i] - quant[i]);
    }
    this.kld.push(kl);
    const nll = -quant[nextToken], nllBase = -base[nextToken];
    this.sumNll += nll;
    this.sumNllBase += nllBase;
    const dp = Math.exp(-nll) - Math.exp(-nllBase);
    this.sumDp2 += dp * dp;
    if (argmax(base) === argmax(quant)) this.sameTop++;
  }

  summary(): KlSummary {
    const n = this.kld.length;
    if (!n) throw new Error("no positions scored");
    const sorted = [...this.kld].sort((a, b) => a - b);
    const mean = this.kld.reduce((a, b) => a + b, 0) / n;
    const mean2 = this.kld.reduce((a, b) => a + b * b, 0) / n;
    const variance = mean2 - mean * mean;
    return {
      positions: n,
      meanKld: mean,
      // llama.cpp's mean_and_uncertainty: standard error, 0 for ≤ 10 samples
      meanKldUncertainty: variance > 0 && n > 10 ? Math.sqrt(variance / (n - 1)) : 0,
      medianKld: n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2] + sorted[n / 2 - 1]) / 2,
      p99Kld: percentile(sorted, 0.99),
      p999Kld: percentile(sorted, 0.999),
      maxKld: sorted[n - 1],
      top1Agreement: this.sameTop / n,
      pplBase: Math.exp(this.sumNllBase / n),
      pplQuant: Math.exp(this.sumNll / n),
      pplRatio: Math.exp((this.sumNll - this.sumNllBase) / n),
      rmsDeltaP: Math.sqrt(this.sumDp2 / n),
    };
  }
}

/** llama.cpp's percentile(): linear interpolation between the two nearest sorted values. */
export function percentile(sorted: number[], fraction: number): number {
  if (fraction <= 0) return sorted[0];
  if (fraction >= 1) return sorted[sorted.length - 1];
  const p = fraction * (sorted.length - 1);
  const i = Math.floor(p);
  return (1 - (p - i)) * sorted[i] + (p - i) * sorted[Math.min(i + 1, sorted.length - 1)];
}
