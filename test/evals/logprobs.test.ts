/** Multiple choice by log-probabilities on generated models, checked against the completion route's own numbers. */
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { caseMessages, parseSuite } from "../../src/evals/suite.ts";
import { startScriptedUpstream, type ScriptedUpstream } from "../helpers/scriptedUpstream.ts";
import { startServer, type TestServer } from "../helpers/server.ts";
import { line, until, v1 } from "./http.ts";

let srv: TestServer;
let up: ScriptedUpstream;
beforeAll(async () => {
  srv = await startServer({ models: { tiny: { shape: "tiny" }, "tiny-moe": { shape: "tiny-moe" } } });
  up = await startScriptedUpstream(() => ({ text: "The answer is B." }));
  await srv.app.upstreams.add({ name: "m", baseUrl: up.url });
});
afterAll(async () => { await srv?.close(); await up?.close(); });

const lse = (xs: number[]) => { const m = Math.max(...xs); return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0)); };

/**
 * The oracle: a raw completion of the same prompt as the generated models' ChatML template
 * renders it, with the whole vocabulary's log-probabilities for the first token; P("A") sums
 * every token that spells A (with or without a leading space).
 */
async function oracle(model: string, content: string, letters: string[]): Promise<number[]> {
  const ref = await srv.app.models.find(model);
  const r = await srv.app.gateway.runtime.complete(ref!, `<|im_start|>user\n${content}<|im_end|>\n<|im_start|>assistant\n`, { temperature: 0, maxTokens: 1, logprobs: 100_000 });
  const top = r.logprobs![0].top;
  return letters.map((l) => lse(top.filter((e) => e.token.replace(/^ +/, "") === l).map((e) => e.logprob)));
}

const suite = [
  line({ id: "auto", prompt: "Which is a colour?", choices: ["seven", "blue", "walk"], answer: "B", scorer: { type: "choice" } }),
  line({ id: "forced-letter", prompt: "Which is a number?", choices: ["seven", "blue"], answer: 0, scorer: { type: "choice", options: { method: "letter" } } }),
].join("\n");

describe("multiple choice by log-probabilities", () => {
  test("the runtime's next-token log-probabilities equal a full-vocabulary completion's, for dense and MoE models", async () => {
    const content = "Capital of France?\n\nA. Paris\nB. Rome\nC. Oslo\n\nAnswer with the letter only.";
    for (const model of ["tiny", "tiny-moe"]) {
      const ref = (await srv.app.models.find(model))!;
      const got = await srv.app.gateway.runtime.nextTokenLogprobs(ref, [{ role: "user", content }], ["A", "B", "C"]);
      const want = await oracle(model, content, ["A", "B", "C"]);
      got.logprobs.forEach((lp, i) => expect(lp).toBeCloseTo(want[i], 4));
      expect(got.logprobs.reduce((s, lp) => s + Math.exp(lp), 0)).toBeLessThan(1);
    }
  });

  test("a run scores local models by log-probabilities and upstreams by the generated letter, recording the method per case", async () => {
    const api = v1(srv.url);
    const { suite: s } = await api.json("POST", "/suites?name=choice.jsonl", suite, 201, "application/x-ndjson");
    const { run } = await api.json("POST", "/runs", { suite: s.id, models: ["tiny", "m"] }, 202);
    const done = await until(() => api.json("GET", `/runs/${run.id}`), (r) => r.run.status !== "running");
    expect(done.run.status).toBe("succeeded");
    const { results } = await api.json("GET", `/runs/${run.id}/results`);
    const at = (model: string, id: string) => results.find((r: any) => r.model === model && r.caseId === id);

    const local = at("tiny", "auto");
    expect(local.detail.method).toBe("logprobs");
    const c = parseSuite(suite).cases[0];
    const want = await oracle("tiny", caseMessages(c)[0].content, ["A", "B", "C"]);
    expect(Object.keys(local.detail.logprobs)).toEqual(["A", "B", "C"]);
    Object.values(local.detail.logprobs).forEach((lp, i) => expect(lp).toBeCloseTo(want[i], 4));
    const best = "ABC"[want.indexOf(Math.max(...want))];
    expect(local).toMatchObject({ output: best, score: best === "B" ? 1 : 0, completionTokens: 0 });
    expect(local.promptTokens).toBeGreaterThan(0);

    expect(at("tiny", "forced-letter").detail.method).toBe("letter");
    expect(at("tiny", "forced-letter").completionTokens).toBeGreaterThan(0);
    expect(at("m", "auto")).toMatchObject({ output: "The answer is B.", score: 1, detail: { method: "letter", picked: "B" } });
    expect(at("m", "forced-letter")).toMatchObject({ score: 0, detail: { method: "letter", picked: "B" } });
  });

  test("a bad method is a line-numbered suite error", async () => {
    expect(() => parseSuite(line({ id: "x", prompt: "p", choices: ["a", "b"], answer: "A", scorer: { type: "choice", options: { method: "vibes" } } }), "m.jsonl"))
      .toThrow(/^m\.jsonl:1: .*auto, logprobs or letter/);
  });
});
