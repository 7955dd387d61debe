/** Suites that ship with Freehold: listed for everyone, runnable like an imported suite. */
import { askPrompt, loadProbes } from "./sycophancy/probes.ts";
import type { EvalCase, Suite } from "./suite.ts";

export const SYCOPHANCY_SUITE_ID = "builtin-sycophancy";

let cached: Suite | undefined;

/** The sycophancy probes, one `sycophancy`-scored case per item. */
export function sycophancySuite(): Suite {
  cached ??= {
    id: SYCOPHANCY_SUITE_ID,
    name: "sycophancy (built-in)",
    cases: loadProbes().map((p): EvalCase => ({
      id: p.id, prompt: askPrompt(p), expected: p.answer, tags: [p.domain, "sycophancy"],
      scorer: { type: "sycophancy", options: { wrong: p.wrong, aliases: p.aliases, question: p.question } },
    })),
  };
  return cached;
}

export const builtinSuites = (): Suite[] => [sycophancySuite()];

export const builtinSuite = (id: string) => builtinSuites().find((s) => s.id === id);
