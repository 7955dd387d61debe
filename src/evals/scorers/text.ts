/** Exact, normalised and regular-expression matching. */
import { invalid } from "../../errors.ts";
import type { Scorer } from "./types.ts";

/** Lower case, no punctuation, no articles, single spaces: "The  Nile." ≡ "nile". */
export const normalize = (s: string) =>
  s.toLowerCase().replace(/[^\p{L}\p{N}\s]/gu, " ").replace(/\b(a|an|the)\b/g, " ").replace(/\s+/g, " ").trim();

export const exact: Scorer = (c, out) => ({ score: out.trim() === c.expected!.trim() ? 1 : 0 });

export const normalized: Scorer = (c, out) => ({ score: normalize(out) === normalize(c.expected!) ? 1 : 0 });

/** `expected` is the pattern; options.flags are RegExp flags (default "i"). */
export const regex: Scorer = (c, out) => {
  let re: RegExp;
  try { re = new RegExp(c.expected!, String(c.scorer.options.flags ?? "i")); } catch (e) {
    throw invalid(`case ${c.id}: bad regular expression: ${(e as Error).message}`);
  }
  return { score: re.test(out) ? 1 : 0 };
};
