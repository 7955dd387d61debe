import type { EvalCase } from "../suite.ts";
import { choice } from "./choice.ts";
import { judge, pairwise } from "./judge.ts";
import { jsonSchema } from "./jsonSchema.ts";
import { numeric } from "./numeric.ts";
import { sycophancy } from "./sycophancy.ts";
import { exact, normalized, regex } from "./text.ts";
import type { Score, ScoreContext, Scorer } from "./types.ts";

export type { Score, ScoreContext, Scorer } from "./types.ts";

const scorers: Record<EvalCase["scorer"]["type"], Scorer> = {
  exact, normalized, regex, choice, numeric, json_schema: jsonSchema, judge, pairwise, sycophancy,
};

export async function scoreCase(c: EvalCase, output: string, ctx: ScoreContext): Promise<Score> {
  return scorers[c.scorer.type](c, output, ctx);
}
