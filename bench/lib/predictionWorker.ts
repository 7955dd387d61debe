/**
 * Predicted Outputs in one process (bench/prediction.ts): Freehold's Runtime as `freehold serve`
 * uses it, greedy answers to a few prompts without a prediction and with predictions that keep
 * a known share of the answer, given as token ids so that share is exact. Prints one JSON line.
 *
 *   node --import tsx bench/lib/predictionWorker.ts '{"path":"...","threads":2,"rounds":3,"gen":256}'
 */
import { pathToFileURL } from "node:url";
import { Runtime } from "../../src/runtime/index.ts";

interface Args { path: string; threads: number; rounds: number; gen: number; prompts: number }

/** What a prediction keeps of the answer: all of it, all but one token in 20 or in 8, none. */
export const CASES = ["none", "exact", "edit/20", "edit/8", "unrelated"] as const;
export type Case = (typeof CASES)[number];

export interface Run {
  case: Case; prompt: number; ms: number; tokens: number; accepted: number; rejected: number; same: boolean;
  /** Share of the answer's text (without a prediction) this answer starts with. */
  agreed: number;
}

/** Share of `a` that `b` starts with. */
export const agreed = (a: string, b: string) => {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return a.length ? i / a.length : 1;
};

const PROMPTS = [
  "Rename the variable total to sum in this function and return the file:\ndef add(values):\n    total = 0\n",
  "Fix the typo in this paragraph and repeat it unchanged otherwise: The quick brown fox jumpd over",
  "Change every green to blue in this stylesheet: body { color: green; } a { color: green; }",
  "Translate the comments of this file to French and keep the code as it is:\n// add two numbers\n",
];

function predictionFor(kind: Case, answer: number[], vocab: number): number[] | undefined {
  const other = (t: number, i: number) => (t + 7919 + i) % vocab;
  switch (kind) {
    case "none": return undefined;
    case "exact": return answer;
    case "edit/20": return answer.map((t, i) => (i % 20 === 10 ? other(t, i) : t));
    case "edit/8": return answer.map((t, i) => (i % 8 === 4 ? other(t, i) : t));
    case "unrelated": return answer.map((t, i) => other(t, i));
  }
}

async function main(args: Args): Promise<Run[]> {
  const runtime = new Runtime({ gpu: false, threads: args.threads });
  const model = { name: "bench", path: args.path };
  const runs: Run[] = [];
  try {
    const answers: { tokens: number[]; text: string }[] = [];
    for (const prompt of PROMPTS.slice(0, args.prompts)) {
      const r = await runtime.complete(model, prompt, { maxTokens: args.gen, temperature: 0, returnContext: true });
      answers.push({ tokens: r.context!.slice(r.usage.promptTokens), text: r.text });
    }
    // Replacement ids stay among those the answers use (below the vocabulary size, whatever the model).
    const vocab = Math.max(...answers.flatMap((a) => a.tokens)) + 1;
    for (let round = 0; round < args.rounds; round++) {
      for (const [p, prompt] of PROMPTS.slice(0, args.prompts).entries()) {
        for (let k = 0; k < CASES.length; k++) {
          const kind = CASES[(k + round + p) % CASES.length];
          const prediction = predictionFor(kind, answers[p].tokens, vocab);
          const t0 = performance.now();
          const r = await runtime.complete(model, prompt, { maxTokens: args.gen, temperature: 0, ...(prediction ? { prediction } : {}) });
          const ms = performance.now() - t0;
          const rejected = r.usage.rejectedPredictionTokens ?? 0;
          runs.push({
            case: kind, prompt: p, ms, tokens: r.usage.completionTokens - rejected,
            accepted: r.usage.acceptedPredictionTokens ?? 0, rejected, same: r.text === answers[p].text, agreed: agreed(answers[p].text, r.text),
          });
        }
      }
    }
  } finally {
    await runtime.close();
  }
  return runs;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify({ runs: await main(JSON.parse(process.argv[2]) as Args) }));
}
