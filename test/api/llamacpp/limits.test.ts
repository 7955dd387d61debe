import { expect, test } from "vitest";
import { InfillLimits } from "../../../src/api/llamacpp/limits.ts";

/** Feeds pieces as the runtime does (the whole answer after each); returns the answer as cut. */
function run(limits: InfillLimits, pieces: string[]): string {
  let text = "";
  for (const p of pieces) {
    text += p;
    const cut = limits.check(text);
    if (cut !== undefined) return text.slice(0, cut);
  }
  return text;
}

test("n_indent: after a line ends, a line indented less ends the answer before its text", () => {
  const limits = new InfillLimits(4, 0);
  expect(run(limits, ["x = 1", "\n", "    y = 2", "\n", "  z", " = 3\n"])).toBe("x = 1\n    y = 2\n  ");
  expect(limits.limited).toBe(true);
  // Indented enough, or blank so far: nothing ends.
  const kept = new InfillLimits(4, 0);
  expect(run(kept, ["a", "\n", "    b", "\n", "\t\t\t\tc"])).toBe("a\n    b\n\t\t\t\tc");
  expect(kept.limited).toBe(false);
});

test("t_max_predict_ms: past the time, the next piece with a line break ends the answer", () => {
  let now = 0;
  const limits = new InfillLimits(0, 100, () => now);
  let text = "";
  const feed = (p: string, at: number) => { now = at; text += p; return limits.check(text); };
  expect(feed("a", 0)).toBeUndefined();
  expect(feed("\n", 50)).toBeUndefined(); // a line break within the time
  expect(feed("b", 150)).toBeUndefined(); // past the time, but no line break in this piece
  expect(feed("c\n", 160)).toBe(text.length);
  expect(limits.limited).toBe(true);
});
