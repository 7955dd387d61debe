import { describe, expect, it } from "vitest";
import { computeLeaderboard } from "../../src/arena/leaderboard.ts";
import { styleFeatures } from "../../src/arena/style.ts";
import { simulate } from "./simulate.ts";

const rating = (rows: { model: string; rating: number | null }[], m: string) => rows.find((r) => r.model === m)!.rating!;

describe("style control", () => {
  // "verbose" is exactly as good as "plain" but writes 6× longer answers to a judge who likes length.
  const sim = simulate({
    ratings: { strong: 1100, plain: 1000, verbose: 1000, weak: 900 },
    words: { strong: 50, plain: 50, verbose: 300, weak: 50 }, lengthBias: 0.5, n: 4000, seed: 21,
  });

  it("a verbose model climbs without control and not with it", () => {
    const raw = computeLeaderboard([], sim, { rounds: 50 }).rows;
    const ctl = computeLeaderboard([], sim, { rounds: 20, styleControl: true });
    const rows = ctl.rows;
    expect(rating(raw, "verbose") - rating(raw, "plain")).toBeGreaterThan(100); // the planted advantage
    expect(rating(raw, "verbose")).toBeGreaterThan(rating(raw, "strong"));
    expect(Math.abs(rating(rows, "verbose") - rating(rows, "plain"))).toBeLessThan(25);
    expect(rating(rows, "strong")).toBeGreaterThan(rating(rows, "verbose"));
    expect(ctl.style!.length).toBeGreaterThan(0.3); // the judge's length preference, found
    const v = rows.find((r) => r.model === "verbose")!;
    expect(v.ciLow!).toBeLessThan(v.rating!);
    expect(v.ciHigh!).toBeGreaterThan(v.rating!);
  });

  it("without a style signal it agrees with the plain fit", () => {
    const flat = simulate({ ratings: { x: 1100, y: 1000, z: 950 }, n: 2000, seed: 4 });
    const raw = computeLeaderboard([], flat, { rounds: 20 }).rows;
    const ctl = computeLeaderboard([], flat, { rounds: 20, styleControl: true }).rows;
    for (const m of ["x", "y", "z"]) expect(Math.abs(rating(raw, m) - rating(ctl, m))).toBeLessThan(10);
  });

  it("counts headers, list items and bold", () => {
    expect(styleFeatures("# Title\n\n- one\n- two\n1. three\n\n**bold** and __also__ words")).toEqual({
      length: 12, headers: 1, lists: 3, bold: 2,
    });
  });
});
