import { describe, expect, it } from "vitest";
import { computeLeaderboard } from "../../src/arena/leaderboard.ts";
import { ranks } from "../../src/arena/bootstrap.ts";

const b = (modelA: string, modelB: string, winner: "model_a" | "model_b" | "tie" | null, counted = true) =>
  ({ modelA, modelB, winner, counted, answerA: "x", answerB: "y" });

describe("leaderboard", () => {
  it("lists every model that ever battled, with its vote count, even without counted votes", () => {
    const rows = computeLeaderboard(["hidden-after-bad-result"], [
      b("A", "B", "model_a"), b("A", "B", "model_b"), b("A", "B", "model_a"),
      b("A", "C", "model_a", false), // leaked identity: kept, not counted
      b("B", "D", null), // never voted
    ], { rounds: 50 }).rows;
    expect(rows.map((r) => r.model).sort()).toEqual(["A", "B", "C", "D", "hidden-after-bad-result"]);
    const by = Object.fromEntries(rows.map((r) => [r.model, r]));
    expect(by.A.votes).toBe(3);
    expect(by.C).toMatchObject({ votes: 0, rating: null, rank: null });
    expect(by.D.votes).toBe(0);
    expect(by.A.rating! - by.B.rating!).toBeGreaterThan(50); // 2 of 3, shrunk by the prior from 400·log10(2)
    expect(by.A.rating! - by.B.rating!).toBeLessThan(400 * Math.log10(2));
    expect(rows[0].model).toBe("A"); // sorted by rating, unrated last
  });

  it("can pin a reference model's rating, as FastChat pins mixtral at 1114", () => {
    const rows = computeLeaderboard([], [b("A", "B", "model_a"), b("A", "B", "model_b"), b("A", "B", "model_a")],
      { rounds: 20, anchor: { model: "B", rating: 1114 } }).rows;
    expect(rows.find((r) => r.model === "B")!.rating).toBeCloseTo(1114, 6);
    expect(rows.find((r) => r.model === "A")!.rating!).toBeGreaterThan(1114);
  });

  it("ranks by CI overlap: 1 + models whose lower bound clears this upper bound", () => {
    const r = ranks(Float64Array.from([1100, 1050, 900]), Float64Array.from([1200, 1150, 1000]));
    expect(Array.from(r)).toEqual([1, 1, 3]);
  });

  // Five established models, 500 battles with balanced outcomes, then a newcomer at 3-0.
  const established = () => {
    const ms = ["m1", "m2", "m3", "m4", "m5"], out = [];
    for (let i = 0; i < 500; i++) out.push(b(ms[i % 5], ms[(i + 1 + (i >> 2) % 4) % 5], i % 2 ? "model_a" : "model_b"));
    return out;
  };

  it("gives a newcomer that never lost a moderate rating with a wide interval, and leaves the others in place", () => {
    const before = Object.fromEntries(computeLeaderboard([], established(), { rounds: 50 }).rows.map((r) => [r.model, r]));
    const rows = computeLeaderboard([], [...established(), b("new", "m1", "model_a"), b("m2", "new", "model_b"), b("new", "m3", "model_a")], { rounds: 50 }).rows;
    const by = Object.fromEntries(rows.map((r) => [r.model, r]));
    expect(by.new.rating!).toBeGreaterThan(1000);
    expect(by.new.rating!).toBeLessThan(1600);
    expect(by.new.ciHigh! - by.new.ciLow!).toBeGreaterThan(400);
    expect(by.new).toMatchObject({ provisional: true, votes: 3 });
    for (const m of ["m1", "m2", "m3", "m4", "m5"]) {
      expect(Math.abs(by[m].rating! - before[m].rating!)).toBeLessThan(5);
      expect(by[m].ciLow!).toBeLessThan(by[m].rating!);
      expect(by[m].ciHigh!).toBeGreaterThan(by[m].rating!);
      expect(by[m].provisional).toBe(false);
      expect(by[m].rank).toBe(1); // balanced: nobody is separable, and the newcomer's CI overlaps them all
    }
    expect(by.new.rank).toBe(1);
  });

  it("does not call a single vote significant: a wide interval and a shared rank", () => {
    const rows = computeLeaderboard([], [b("x", "y", "model_a")], { rounds: 50 }).rows;
    for (const r of rows) {
      expect(r.rank).toBe(1);
      expect(r.provisional).toBe(true);
      expect(r.ciHigh! - r.ciLow!).toBeGreaterThan(300);
      expect(Math.abs(r.rating! - 1000)).toBeLessThan(300);
    }
  });

  it("rates disconnected comparison groups apart and never ranks across them", () => {
    const rows = computeLeaderboard([], [
      ...Array.from({ length: 40 }, () => b("x5", "demo", "model_a")), b("demo", "x5", "model_a"),
      b("gpt-4", "claude-1", "model_a"), b("gpt-4", "claude-1", "model_b"), b("gpt-4", "claude-1", "model_a"),
    ], { rounds: 50 }).rows;
    const by = Object.fromEntries(rows.map((r) => [r.model, r]));
    expect(by.x5.group).toBe(1);
    expect(by.demo.group).toBe(1);
    expect(by["gpt-4"].group).toBe(2);
    expect(by["claude-1"].group).toBe(2);
    expect(by.x5.rank).toBe(1);
    expect(by.demo.rank).toBe(2); // 40-1: separable within its group
    expect(by["gpt-4"].rank).toBe(1); // its own group's ranking starts again at 1, whatever demo's interval
    expect(by["claude-1"].rank).toBe(1);
    expect(rows.map((r) => r.model)).toEqual(["x5", "demo", "gpt-4", "claude-1"]); // listed group by group
  });
});
