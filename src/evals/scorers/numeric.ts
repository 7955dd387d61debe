/** Numeric with tolerance: the last number in the output (models reason first, answer last). */
import type { Scorer } from "./types.ts";

export function lastNumber(s: string): number | undefined {
  const all = [...s.replace(/(\d),(?=\d{3}\b)/g, "$1").matchAll(/-?\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi)];
  return all.length ? Number(all[all.length - 1][0]) : undefined;
}

/** options: abs (absolute tolerance, default 0) and rel (relative to |expected|, default 0); either suffices. */
export const numeric: Scorer = (c, out) => {
  const want = Number(c.expected);
  const got = lastNumber(out);
  const abs = Number(c.scorer.options.abs ?? 0), rel = Number(c.scorer.options.rel ?? 0);
  const ok = got !== undefined && (Math.abs(got - want) <= abs || Math.abs(got - want) <= rel * Math.abs(want));
  return { score: ok ? 1 : 0, detail: { extracted: got ?? null } };
};
