/**
 * Multiple choice by the generated letter: the first standalone capital letter in range, so
 * "B", "(B)", "B. Paris" and "The answer is B" all read as B. For local models the runner
 * first picks the letter by log-probabilities (../logprobChoice.ts) and passes it here as the output.
 */
import { letter } from "../suite.ts";
import type { Scorer } from "./types.ts";

export function pickedLetter(out: string, n: number): string | undefined {
  const valid = new Set(Array.from({ length: n }, (_, i) => letter(i)));
  for (const m of out.matchAll(/\b([A-Z])\b/g)) if (valid.has(m[1])) return m[1];
  return undefined;
}

export const choice: Scorer = (c, out) => {
  const want = typeof c.answer === "number" ? letter(c.answer) : String(c.answer).trim().toUpperCase();
  const got = pickedLetter(out, c.choices!.length);
  return { score: got === want ? 1 : 0, detail: { picked: got ?? null } };
};
