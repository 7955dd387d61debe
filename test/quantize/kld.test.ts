import { describe, expect, test } from "vitest";
import { KlAccumulator, logSoftmax, percentile } from "../../src/quantize/kld.ts";

describe("KL divergence statistics (llama-perplexity's definitions)", () => {
  test("log-softmax subtracts the max, so huge logits stay finite", () => {
    const lp = logSoftmax([1000, 1000]);
    expect(lp[0]).toBeCloseTo(Math.log(0.5), 6);
  });

  test("KL, top-1, perplexity and Δp for one position, by hand", () => {
    const base = logSoftmax([2, 1, 0]), quant = logSoftmax([1, 2, 0]);
    const acc = new KlAccumulator();
    acc.add(base, quant, 0);
    const p = [...base].map(Math.exp);
    const kl = p.reduce((s, pi, i) => s + pi * (base[i] - quant[i]), 0);
    const s = acc.summary();
    expect(s.meanKld).toBeCloseTo(kl, 6);
    expect(s.top1Agreement).toBe(0);
    expect(s.pplQuant).toBeCloseTo(Math.exp(-quant[0]), 5);
    expect(s.pplBase).toBeCloseTo(Math.exp(-base[0]), 5);
    expect(s.rmsDeltaP).toBeCloseTo(Math.abs(Math.exp(quant[0]) - Math.exp(base[0])), 6);
  });

  test("tokens the base model gives log-probability ≤ −16 are left out, as llama.cpp does", () => {
    const base = new Float32Array([0, -20]), quant = new Float32Array([-1, -0.5]);
    const acc = new KlAccumulator();
    acc.add(base, quant, 0);
    expect(acc.summary().meanKld).toBeCloseTo(1, 6); // only token 0: 1 · (0 − (−1))
  });

  test("percentiles interpolate linearly between sorted values", () => {
    const v = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    expect(percentile(v, 0.99)).toBeCloseTo(9.9, 9);
    expect(percentile(v, 0.5)).toBe(5);
    expect(percentile(v, 1)).toBe(10);
  });
});
