import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";
import { busy, until } from "./openai/helpers.ts";

/**
 * OpenAI's Predicted Outputs through the official SDK: `prediction` on chat completions, the
 * accepted and rejected counts in `usage.completion_tokens_details`, streamed or not, locally and
 * through an upstream (a second Freehold), and refused where it would change the answer.
 */
let s: TestServer, front: TestServer;
let openai: OpenAI, viaFront: OpenAI;
/**
 * Byte-fallback tokens banned: the generated model's random weights pick them often, and text cut
 * inside a UTF-8 sequence does not tokenize back to the tokens the model chose.
 */
const noBytes = Object.fromEntries(Array.from({ length: 256 }, (_, b) => [String(3 + b), -100]));
const greedy = { max_tokens: 40, temperature: 0, logit_bias: noBytes };
const messages = [{ role: "user" as const, content: "Rewrite the lantern poem with copper instead of silver." }];

beforeAll(async () => {
  s = await startServer({ models: { tiny: { shape: "tiny" } } });
  front = await startServer({ models: {} });
  await front.app.upstreams.add({ name: "tiny-via-b", baseUrl: s.url, remoteModel: "tiny" });
  openai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 30_000 });
  viaFront = new OpenAI({ baseURL: `${front.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 30_000 });
});
afterAll(async () => { await front?.close(); await s?.close(); });

describe("Predicted Outputs", () => {
  test("the answer is the same with a prediction; usage counts what was kept and what was thrown away", async () => {
    const plain = await openai.chat.completions.create({ model: "tiny", messages, ...greedy });
    const answer = plain.choices[0].message.content!;
    expect(plain.usage?.completion_tokens_details).toBeUndefined();

    const predicted = await openai.chat.completions.create({ model: "tiny", messages, ...greedy, prediction: { type: "content", content: answer } });
    expect(predicted.choices[0].message.content).toBe(answer);
    const details = predicted.usage!.completion_tokens_details!;
    expect(details.accepted_prediction_tokens).toBeGreaterThan(0);
    expect(details.rejected_prediction_tokens).toBeGreaterThanOrEqual(0);
    // Rejected tokens are counted in completion_tokens, as OpenAI counts them.
    expect(predicted.usage!.completion_tokens).toBe(plain.usage!.completion_tokens + details.rejected_prediction_tokens!);

    // Content parts, streamed, with include_usage.
    const stream = await openai.chat.completions.create({
      model: "tiny", messages, ...greedy, stream: true, stream_options: { include_usage: true },
      prediction: { type: "content", content: [{ type: "text", text: answer.slice(0, 10) }, { type: "text", text: answer.slice(10) }] },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe(answer);
    expect(usage?.completion_tokens_details?.accepted_prediction_tokens).toBe(details.accepted_prediction_tokens);

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/freehold_prediction_tokens_total\{model="tiny",outcome="(accepted|rejected)"\} [1-9]/);
  });

  test("an unrelated prediction changes nothing but the rejected count", async () => {
    const plain = await openai.chat.completions.create({ model: "tiny", messages, ...greedy });
    const predicted = await openai.chat.completions.create({
      model: "tiny", messages, ...greedy, prediction: { type: "content", content: "Lorem ipsum dolor sit amet. ".repeat(20) },
    });
    expect(predicted.choices[0].message.content).toBe(plain.choices[0].message.content);
    expect(predicted.usage!.completion_tokens_details!.accepted_prediction_tokens).toBe(0);
  });

  test("through an upstream, the prediction goes to the engine and its counts come back", async () => {
    const direct = await openai.chat.completions.create({ model: "tiny", messages, ...greedy });
    const answer = direct.choices[0].message.content!;
    const direct2 = await openai.chat.completions.create({ model: "tiny", messages, ...greedy, prediction: { type: "content", content: answer } });
    const proxied = await viaFront.chat.completions.create({ model: "tiny-via-b", messages, ...greedy, prediction: { type: "content", content: answer } });
    expect(proxied.choices[0].message.content).toBe(answer);
    expect(proxied.usage?.completion_tokens_details).toEqual(direct2.usage?.completion_tokens_details);
  });

  test("a client that leaves a predicted stream frees its sequence; the next predicted request answers as before", async () => {
    const plain = await openai.chat.completions.create({ model: "tiny", messages, ...greedy });
    const answer = plain.choices[0].message.content!;
    const abort = new AbortController();
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: abort.signal,
      body: JSON.stringify({ model: "tiny", messages, max_tokens: 2000, temperature: 0.7, stream: true, prediction: { type: "content", content: answer.repeat(50) } }),
    });
    await res.body!.getReader().read();
    abort.abort();
    expect(await until(() => busy(s) === 0, 10_000)).toBe(true);
    const again = await openai.chat.completions.create({ model: "tiny", messages, ...greedy, prediction: { type: "content", content: answer } });
    expect(again.choices[0].message.content).toBe(answer);
  });

  test("refused with a 400 naming `prediction`: with penalties, another type, or no content", async () => {
    const bad = async (body: Record<string, unknown>) => {
      const e = await openai.chat.completions.create({ model: "tiny", messages, ...greedy, ...body } as never).then(() => undefined, (err) => err);
      expect(e).toBeInstanceOf(OpenAI.BadRequestError);
      return (e as InstanceType<typeof OpenAI.BadRequestError>).param;
    };
    expect(await bad({ prediction: { type: "content", content: "x" }, presence_penalty: 0.5 })).toBe("prediction");
    expect(await bad({ prediction: { type: "content", content: "x" }, frequency_penalty: 0.2 })).toBe("prediction");
    expect(await bad({ prediction: { type: "image", content: "x" } })).toMatch(/^prediction/);
    expect(await bad({ prediction: { type: "content" } })).toMatch(/^prediction/);
    expect(await bad({ prediction: { type: "content", content: [{ type: "image_url", image_url: { url: "x" } }] } })).toMatch(/^prediction/);
    // And the server still answers.
    expect((await openai.chat.completions.create({ model: "tiny", messages, ...greedy })).choices[0].message.role).toBe("assistant");
  });
});
