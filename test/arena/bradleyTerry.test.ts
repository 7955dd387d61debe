import { describe, expect, it } from "vitest";
import { bootstrap } from "../../src/arena/bootstrap.ts";
import { fitRatings } from "../../src/arena/bradleyTerry.ts";
import { mmRatings } from "../../src/arena/mmReference.ts";
import { aggregate, type Outcome } from "../../src/arena/pairs.ts";
import { simulate } from "./simulate.ts";

const TRUE = { a: 1200, b: 1100, c: 1000, d: 950, e: 750 };
const battles = (list: [string, string, Outcome["winner"]][], times = 1) =>
  Array.from({ length: times }, () => list.map(([modelA, modelB, winner]) => ({ modelA, modelB, winner }))).flat();
const centred = (xs: number[]) => xs.map((x) => x - xs.reduce((s, v) => s + v, 0) / xs.length);

describe("Bradley-Terry MLE", () => {
  // The N(0, 1) prior on θ shrinks small samples; with hundreds of votes it is below a point.
  it("two models, A wins 3 of 4 (×200): the gap is 400·log10(3)", () => {
    const { models, wins } = aggregate(battles([["A", "B", "model_a"], ["A", "B", "model_a"], ["B", "A", "model_b"], ["A", "B", "model_b"]], 200));
    const r = fitRatings(models, wins);
    expect(Math.abs(r.get("A")! - r.get("B")! - 400 * Math.log10(3))).toBeLessThan(1);
    expect((r.get("A")! + r.get("B")!) / 2).toBeCloseTo(1000, 6); // anchored: mean 1000
  });

  it("counts a tie as half a win to each side (same as FastChat's duplicated rows)", () => {
    // 1 win + 2 ties for A vs 0 wins: A scored 2 of 3 → gap 400·log10(2)
    const { models, wins } = aggregate(battles([["A", "B", "model_a"], ["A", "B", "tie"], ["B", "A", "tie (bothbad)"]], 200));
    const r = fitRatings(models, wins);
    expect(Math.abs(r.get("A")! - r.get("B")! - 400 * Math.log10(2))).toBeLessThan(1);
  });

  it("pins an anchor model at a chosen rating", () => {
    const { models, wins } = aggregate(battles([["A", "B", "model_a"], ["A", "B", "model_a"], ["A", "B", "model_b"]], 200));
    const r = fitRatings(models, wins, { model: "B", rating: 1114 });
    expect(r.get("B")).toBeCloseTo(1114, 6);
    expect(Math.abs(r.get("A")! - 1114 - 400 * Math.log10(2))).toBeLessThan(1);
  });

  it("agrees with the minorisation-maximisation reference within 1 point", () => {
    const { models, k, wins } = aggregate(simulate({ ratings: TRUE, n: 3000, tieRate: 0.15, seed: 7 }));
    const fit = centred(models.map((m) => fitRatings(models, wins).get(m)!)), mm = centred(Array.from(mmRatings(k, wins)));
    models.forEach((_, i) => expect(Math.abs(fit[i] - mm[i])).toBeLessThan(1));
  });

  it("recovers the true order and covers the true ratings with its 95% CIs", () => {
    const names = Object.keys(TRUE);
    const sim = simulate({ ratings: TRUE, n: 4000, seed: 3 });
    const res = bootstrap(names, sim, { rounds: 300, seed: 11 });
    const order = [...names].sort((x, y) => res.rating[names.indexOf(y)] - res.rating[names.indexOf(x)]);
    expect(order).toEqual(names); // TRUE is listed strongest first
    const mean = Object.values(TRUE).reduce((s, v) => s + v, 0) / names.length;
    let covered = 0;
    names.forEach((m, i) => {
      const t = TRUE[m as keyof typeof TRUE] - mean + 1000; // same anchor as the fit
      if (res.ciLow[i] <= t && t <= res.ciHigh[i]) covered++;
      expect(res.ciLow[i]).toBeLessThan(res.rating[i]);
      expect(res.ciHigh[i]).toBeGreaterThan(res.rating[i]);
    });
    expect(covered).toBeGreaterThanOrEqual(4); // 95% CIs: at most one miss among 5 with this seed
    expect(res.rank[names.indexOf("a")]).toBe(1);
    expect(res.rank[names.indexOf("e")]).toBe(5); // 250 points below everyone: its CI is clear of all
  });

  it("is reproducible for a seed", () => {
    const sim = simulate({ ratings: TRUE, n: 500, seed: 5 });
    const x = bootstrap(Object.keys(TRUE), sim, { rounds: 200, seed: 9 });
    const y = bootstrap(Object.keys(TRUE), sim, { rounds: 200, seed: 9 });
    expect(Array.from(x.ciLow)).toEqual(Array.from(y.ciLow));
  });
});
