/** How a built case is scored (src/evals/build.ts); apart, so `freehold --help` needs no eval code. */
export const BUILD_SCORERS = ["auto", "normalized", "exact", "judge", "pairwise"] as const;
