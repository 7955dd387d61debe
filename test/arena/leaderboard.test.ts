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
    expect(by.A.rating! - by.B.rating!).toBeCloseTo(400 * Math.log10(2), 1);
    expect(rows[0].model).toBe("A"); // sorted by rating, unrated last
  });

  it("can pin a reference model's rating, as FastChat pins mixtral at 1114", () => {
    const rows = computeLeaderboard([], [b("A", "B", "model_a"), b("A", "B", "model_b"), b("A", "B", "model_a")],
      { rounds: 20, anchor: { model: "B", rating: 1114 } }).rows;
    expect(rows.find((r) => r.model === "B")!.rating).toBeCloseTo(1114, 6);
    expect(rows.find((r) => r.model === "A")!.rating! - 1114).toBeCloseTo(400 * Math.log10(2), 1);
  });

  it("ranks by CI overlap: 1 + models whose lower bound clears this upper bound", () => {
    const r = ranks(Float64Array.from([1100, 1050, 900]), Float64Array.from([1200, 1150, 1000]));
    expect(Array.from(r)).toEqual([1, 1, 3]);
  });
});
