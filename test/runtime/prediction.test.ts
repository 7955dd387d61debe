import { afterAll, expect, test } from "vitest";
import { FreeholdError } from "../../src/errors.ts";
import { Runtime } from "../../src/runtime/index.ts";
import type { ChatMessage } from "../../src/runtime/types.ts";
import { testModel } from "../helpers/models.ts";

/**
 * Predicted Outputs on a real llama.cpp context: a prediction changes how many tokens are
 * evaluated per step, never which tokens the model chooses, and leaves nothing behind in the
 * sequence it used.
 */
const runtime = new Runtime({ gpu: false, contextSize: 1024, sequences: 4 });
afterAll(() => runtime.close());

const greedy = { maxTokens: 48, temperature: 0 } as const;
const prompt = "Once upon a time, by the river, there lived";

test("a prediction that is the answer is kept nearly whole, and the answer and its context are unchanged", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const base = await runtime.complete(tiny, prompt, { ...greedy, returnContext: true });
  expect(base.usage.completionTokens).toBe(48);
  const answer = base.context!.slice(base.usage.promptTokens);

  const predicted = await runtime.complete(tiny, prompt, { ...greedy, returnContext: true, prediction: answer });
  expect(predicted.text).toBe(base.text);
  // Whole drafts are kept (node-llama-cpp keeps one token of each without patches/node-llama-cpp+3.22.1.patch).
  expect(predicted.usage.acceptedPredictionTokens).toBeGreaterThanOrEqual(40);
  // Drafted tokens thrown away count as generated, as OpenAI counts them.
  expect(predicted.usage.completionTokens).toBe(48 + predicted.usage.rejectedPredictionTokens!);
  // Drafted tokens the answer never reached are not left in the sequence.
  expect(predicted.context).toEqual(base.context);
}, 60_000);

test("a prediction with replaced tokens, or an unrelated one, gives the same answer", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const base = await runtime.complete(tiny, prompt, { ...greedy, returnContext: true });
  const answer = base.context!.slice(base.usage.promptTokens);
  const edited = answer.map((t, i) => (i % 10 === 5 ? 3 + i : t));
  const withEdits = await runtime.complete(tiny, prompt, { ...greedy, prediction: edited });
  expect(withEdits.text).toBe(base.text);
  expect(withEdits.usage.acceptedPredictionTokens).toBeGreaterThan(0);
  expect(withEdits.usage.rejectedPredictionTokens).toBeGreaterThan(0);
  const unrelated = await runtime.complete(tiny, prompt, { ...greedy, prediction: answer.map((_, i) => 300 + i) });
  expect(unrelated.text).toBe(base.text);
  expect(unrelated.usage.acceptedPredictionTokens).toBe(0);
}, 60_000);

test("chats take a prediction as text; concurrent predicted and plain requests share the context", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const messages: ChatMessage[] = [{ role: "user", content: "Tell me about rivers and stones and lanterns." }];
  const other: ChatMessage[] = [{ role: "user", content: "And copper orchards?" }];
  const [base, baseOther] = [await runtime.chat(tiny, messages, greedy), await runtime.chat(tiny, other, greedy)];
  expect(base.usage.acceptedPredictionTokens).toBeUndefined();

  const [a, b, c] = await Promise.all([
    runtime.chat(tiny, messages, { ...greedy, prediction: base.text }),
    runtime.chat(tiny, other, { ...greedy, prediction: baseOther.text }),
    runtime.chat(tiny, messages, greedy),
  ]);
  expect(a.text).toBe(base.text);
  expect(b.text).toBe(baseOther.text);
  expect(c.text).toBe(base.text);
  for (const [r, plain] of [[a, base], [b, baseOther]] as const) {
    expect(r.usage.acceptedPredictionTokens).toBeGreaterThanOrEqual(0);
    expect(r.usage.completionTokens).toBe(plain.usage.completionTokens + r.usage.rejectedPredictionTokens!);
  }
}, 60_000);

test("a prediction is refused with penalties (they would change the answer) and with ids outside the vocabulary", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const refused = (p: Promise<unknown>) => p.then(() => undefined, (e) => e);
  const withPenalty = await refused(runtime.complete(tiny, prompt, { ...greedy, presencePenalty: 0.5, prediction: "there lived" }));
  expect(withPenalty).toBeInstanceOf(FreeholdError);
  expect((withPenalty as FreeholdError).details.param).toBe("prediction");
  const outside = await refused(runtime.complete(tiny, prompt, { ...greedy, prediction: [1, 2, 10_000_000] }));
  expect((outside as FreeholdError).details.param).toBe("prediction");
  // The model still answers afterwards.
  expect((await runtime.complete(tiny, prompt, greedy)).usage.completionTokens).toBe(48);
}, 60_000);

test("with a JSON schema, log-probabilities or tools, a prediction changes nothing but the speed", async () => {
  const tiny = { name: "tiny", path: await testModel() };
  const messages: ChatMessage[] = [{ role: "user", content: "Give me the weather as JSON." }];
  const schema = { type: "object", properties: { city: { type: "string", maxLength: 12 }, degrees: { type: "integer" } }, required: ["city", "degrees"] };
  const format = { type: "json_schema", schema } as const;
  const json = await runtime.chat(tiny, messages, { ...greedy, maxTokens: 40, format });
  const jsonPredicted = await runtime.chat(tiny, messages, { ...greedy, maxTokens: 40, format, prediction: json.text });
  expect(jsonPredicted.text).toBe(json.text);
  expect(JSON.parse(jsonPredicted.text)).toHaveProperty("degrees");

  const withLogprobs = await runtime.chat(tiny, messages, { ...greedy, logprobs: 2 });
  const logprobsPredicted = await runtime.chat(tiny, messages, { ...greedy, logprobs: 2, prediction: withLogprobs.text });
  expect(logprobsPredicted.text).toBe(withLogprobs.text);
  expect(logprobsPredicted.logprobs!.map((t) => t.token)).toEqual(withLogprobs.logprobs!.map((t) => t.token));
  for (const [i, t] of logprobsPredicted.logprobs!.entries()) expect(Math.abs(t.logprob - withLogprobs.logprobs![i].logprob)).toBeLessThan(0.05);

  const tools = [{ name: "weather", description: "the weather in a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } }];
  const called = await runtime.chat(tiny, messages, { ...greedy, tools, toolChoice: "required" });
  const calledPredicted = await runtime.chat(tiny, messages, { ...greedy, tools, toolChoice: "required", prediction: called.toolCalls?.[0]?.arguments ?? "" });
  expect(calledPredicted.toolCalls?.map((c) => [c.name, c.arguments])).toEqual(called.toolCalls?.map((c) => [c.name, c.arguments]));
}, 60_000);
