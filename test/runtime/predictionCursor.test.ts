import { describe, expect, test } from "vitest";
import type { Token } from "node-llama-cpp";
import { draftLength, PredictionCursor } from "../../src/runtime/prediction.ts";

/**
 * The drafting policy of Predicted Outputs, without a model: what the cursor drafts after each
 * token the model chose, when the answer follows the prediction, replaces, inserts or drops
 * tokens, or has nothing to do with it.
 */
const tokens = (...ids: number[]) => ids as Token[];
const range = (from: number, to: number) => tokens(...Array.from({ length: to - from }, (_, i) => from + i));

/** Feeds an answer token by token as node-llama-cpp would: a draft asked for before each decode. */
function follow(cursor: PredictionCursor, answer: Token[]) {
  let drafted = 0, kept = 0;
  let pending: Token[] = [];
  for (const t of answer) {
    if (!pending.length) {
      pending = cursor.next();
      drafted += pending.length;
    }
    const expected = pending.shift();
    if (expected !== undefined && expected === t) kept++;
    else pending = [];
    cursor.push(t);
  }
  return { drafted, kept };
}

describe("draftLength", () => {
  test("drafts nothing when few drafted tokens are kept, and longer drafts the more are kept", () => {
    expect(draftLength(0)).toBe(0);
    expect(draftLength(0.3)).toBe(0);
    const lengths = [0.5, 0.7, 0.9, 0.95, 0.99, 1].map(draftLength);
    for (let i = 1; i < lengths.length; i++) expect(lengths[i]).toBeGreaterThanOrEqual(lengths[i - 1]);
    expect(lengths[0]).toBeGreaterThanOrEqual(1);
    expect(draftLength(1)).toBeGreaterThanOrEqual(16);
    expect(draftLength(1)).toBeLessThanOrEqual(32);
  });
});

describe("PredictionCursor", () => {
  test("an answer that is the prediction is drafted from its first token, in growing drafts", () => {
    const prediction = range(1000, 1200);
    const cursor = new PredictionCursor(prediction);
    cursor.reset([]);
    const first = cursor.next();
    expect(first).toEqual(prediction.slice(0, first.length));
    expect(first.length).toBeGreaterThan(1);
    for (const t of prediction.slice(0, 60)) cursor.push(t);
    const later = cursor.next();
    expect(later).toEqual(prediction.slice(60, 60 + later.length));
    expect(later.length).toBeGreaterThan(first.length);
    // Every token of the answer was drafted and kept.
    const c2 = new PredictionCursor(prediction);
    c2.reset([]);
    const { kept } = follow(c2, prediction);
    expect(kept).toBeGreaterThanOrEqual(prediction.length - 2);
  });

  test("reset takes the answer so far: drafting resumes after it", () => {
    const prediction = range(1000, 1100);
    const cursor = new PredictionCursor(prediction);
    cursor.reset(prediction.slice(0, 30));
    expect(cursor.next()[0]).toBe(1030);
  });

  test("a replaced token: drafting goes on right after it", () => {
    const prediction = range(1000, 1100);
    const cursor = new PredictionCursor(prediction);
    cursor.reset([...prediction.slice(0, 10), 5 as Token]); // 1010 replaced by 5
    expect(cursor.next()[0]).toBe(1011);
  });

  test("inserted tokens: drafting resumes once the answer is back on the prediction", () => {
    const prediction = range(1000, 1100);
    const cursor = new PredictionCursor(prediction);
    cursor.reset([...prediction.slice(0, 10), ...tokens(5, 6, 7)]);
    expect(cursor.next()).toEqual([]); // lost: nothing worth drafting
    cursor.push(1010 as Token);
    cursor.push(1011 as Token);
    expect(cursor.next()[0]).toBe(1012);
  });

  test("dropped tokens: the answer rejoins further on", () => {
    const prediction = range(1000, 1100);
    const cursor = new PredictionCursor(prediction);
    cursor.reset([...prediction.slice(0, 10), ...prediction.slice(20, 23)]); // 1010-1019 left out
    expect(cursor.next()[0]).toBe(1023);
  });

  test("in a run of one repeated token, a replacement does not send drafting back into the run", () => {
    const run = tokens(...Array(40).fill(7));
    const prediction = tokens(...run.slice(0, 10), 99, ...run.slice(11));
    const cursor = new PredictionCursor(prediction);
    const { drafted, kept } = follow(cursor, run);
    expect(kept).toBeGreaterThanOrEqual(run.length - 4);
    expect(drafted - kept).toBeLessThanOrEqual(10); // the one draft that held 99: its tail
  });

  test("an unrelated prediction soon stops being drafted, but for a probe now and then", () => {
    const cursor = new PredictionCursor(range(1000, 1400));
    cursor.reset([]);
    const { drafted, kept } = follow(cursor, range(5000, 5200));
    expect(kept).toBe(0);
    expect(drafted).toBeLessThanOrEqual(30);
  });

  test("never drafts past the answer's token budget or the prediction's end, nor longer than allowed", () => {
    const prediction = range(1000, 1100);
    const capped = new PredictionCursor(prediction, 12);
    capped.reset(prediction.slice(0, 10));
    expect(capped.next().length).toBeLessThanOrEqual(2);
    const end = new PredictionCursor(prediction);
    end.reset(prediction.slice(0, 98));
    expect(end.next()).toEqual(tokens(1098, 1099));
    end.push(1098 as Token);
    end.push(1099 as Token);
    expect(end.next()).toEqual([]);
    const one = new PredictionCursor(prediction, Infinity, 1);
    one.reset([]);
    expect(one.next()).toEqual(tokens(1000));
  });
});
