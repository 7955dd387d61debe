/**
 * Multiple choice by log-probabilities: for a local model, the answer is the letter whose token
 * the model finds most likely right after the prompt (no sampling, no parsing of free text).
 * Upstream engines give no next-token distribution through the gateway, so their cases fall
 * back to the generated letter; each result records which method scored it.
 */
import type { App } from "../app.ts";
import { FreeholdError } from "../errors.ts";
import type { Backend } from "../gateway/types.ts";
import type { Runtime } from "../runtime/index.ts";
import type { LocalModelRef } from "../runtime/types.ts";
import { caseMessages, letter, type EvalCase } from "./suite.ts";

export type ChoiceMethod = "logprobs" | "letter";

export interface LogprobChoice {
  picked: string;
  /** Letter → log-probability of its token as the next one. */
  logprobs: Record<string, number>;
  promptTokens: number;
}

export const isChoiceByLogprobs = (c: EvalCase) => c.scorer.type === "choice" && c.scorer.options.method !== "letter";

/** The runtime's handle on a model the gateway serves locally; undefined for upstreams. */
export async function localRef(app: Pick<App, "models">, model: string, backend: Backend): Promise<LocalModelRef | undefined> {
  if (backend.kind !== "local") return undefined;
  const m = await app.models.find(model);
  return m && { name: m.name, path: m.path };
}

/** undefined when the model's vocabulary cannot spell every letter as one token (then: generate). */
export async function choiceByLogprobs(runtime: Runtime, ref: LocalModelRef, c: EvalCase, signal?: AbortSignal): Promise<LogprobChoice | undefined> {
  const letters = c.choices!.map((_, i) => letter(i));
  const r = await runtime.nextTokenLogprobs(ref, caseMessages(c), letters, { signal }).catch((e: unknown) => {
    if (e instanceof FreeholdError && e.details.param === "candidates") return undefined;
    throw e;
  });
  if (!r) return undefined;
  const best = r.logprobs.reduce((b, lp, i) => (lp > r.logprobs[b] ? i : b), 0);
  return { picked: letters[best], logprobs: Object.fromEntries(letters.map((l, i) => [l, r.logprobs[i]])), promptTokens: r.promptTokens };
}
