import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../helpers/server.ts";
import { busy, until } from "./openai/helpers.ts";

/**
 * Speculative decoding with a draft model through the official SDKs: `draft_model` on a request
 * (OpenAI routes), or a model whose preset names its draft (Ollama's create with `draft_model`
 * among the parameters, so every client gets it). The generator's pair agrees on every token, so
 * drafts are kept, and the answer is the target's own.
 */
let s: TestServer, front: TestServer;
let openai: OpenAI, ollama: Ollama;
const messages = [{ role: "user" as const, content: "lanterns" }];
const greedy = { max_tokens: 48, temperature: 0 };
/** The SDK's types know nothing of Freehold's fields; it sends them as they are. */
const extra = (o: object) => o as Record<string, never>;

beforeAll(async () => {
  s = await startServer({
    models: {
      target: { pair: { draftLayers: 1 } }, draft: { pair: { draftLayers: 1, draft: true } }, coder: { shape: "tiny-coder" },
    },
  });
  front = await startServer({ models: {} });
  await front.app.upstreams.add({ name: "target-via-b", baseUrl: s.url, remoteModel: "target" });
  openai = new OpenAI({ baseURL: `${s.url}/v1`, apiKey: "x", maxRetries: 0, timeout: 60_000 });
  ollama = new Ollama({ host: s.url });
});
afterAll(async () => { await front?.close(); await s?.close(); });

describe("draft models", () => {
  test("draft_model: the same answer, the same completion tokens, and what the draft did in usage", async () => {
    const plain = await openai.chat.completions.create({ model: "target", messages, ...greedy });
    expect(plain.usage?.completion_tokens_details).toBeUndefined();
    const drafted = await openai.chat.completions.create({ model: "target", messages, ...greedy, ...extra({ draft_model: "draft" }) });
    expect(drafted.choices[0].message.content).toBe(plain.choices[0].message.content);
    expect(drafted.usage!.completion_tokens).toBe(plain.usage!.completion_tokens);
    const details = drafted.usage!.completion_tokens_details as unknown as { draft_n: number; draft_n_accepted: number };
    expect(details.draft_n).toBeGreaterThan(0);
    expect(details.draft_n_accepted).toBeGreaterThan(0.8 * details.draft_n);

    // Streamed, with include_usage; and a raw completion.
    const stream = await openai.chat.completions.create({
      model: "target", messages, ...greedy, stream: true, stream_options: { include_usage: true }, ...extra({ draft_model: "draft", draft_max: 4 }),
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const c of stream) {
      text += c.choices[0]?.delta?.content ?? "";
      if (c.usage) usage = c.usage;
    }
    expect(text).toBe(plain.choices[0].message.content);
    expect((usage?.completion_tokens_details as { draft_n_accepted?: number }).draft_n_accepted).toBeGreaterThan(0);
    const completion = await openai.completions.create({ model: "target", prompt: "lanterns", ...greedy, ...extra({ draft_model: "draft" }) });
    const plainCompletion = await openai.completions.create({ model: "target", prompt: "lanterns", ...greedy });
    expect(completion.choices[0].text).toBe(plainCompletion.choices[0].text);

    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toMatch(/freehold_draft_tokens_total\{model="target",outcome="accepted"\} [1-9]/);
  });

  test("a model whose preset names its draft drafts for every client (Ollama, llama.cpp's /completion)", async () => {
    await ollama.create({ model: "target-fast", from: "target", parameters: { draft_model: "draft", draft_max: 8 } as never, stream: false });
    const show = await ollama.show({ model: "target-fast" });
    expect(show.parameters).toMatch(/draft_model\s+"?draft"?/);
    const before = await ollama.chat({ model: "target", messages, options: { temperature: 0, num_predict: 48 } });
    const after = await ollama.chat({ model: "target-fast", messages, options: { temperature: 0, num_predict: 48 } });
    expect(after.message.content).toBe(before.message.content);
    expect(after.eval_count).toBe(before.eval_count);

    // Its own n_max: a pair's draft lengths are learned per maximum, so this request starts by trying each (whether
    // drafts pay for models this tiny depends on the machine's load, and once none pays, most requests do not draft).
    const r = await fetch(`${s.url}/completion`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "target-fast", prompt: "lanterns", n_predict: 32, temperature: 0, "speculative.n_max": 6 }) });
    const body = await r.json() as { timings: { draft_n?: number; draft_n_accepted?: number } };
    expect(body.timings.draft_n).toBeGreaterThan(0);
    expect(body.timings.draft_n_accepted).toBeGreaterThan(0);
  });

  test("a client that leaves a drafted stream frees the target's sequence and the draft's; the next drafted answer is as before", async () => {
    const plain = await openai.chat.completions.create({ model: "target", messages, ...greedy });
    const abort = new AbortController();
    const res = await fetch(`${s.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: abort.signal,
      // A draft_max of its own: this request starts by trying each length, so it drafts.
      body: JSON.stringify({ model: "target", messages, max_tokens: 900, temperature: 0.7, stream: true, draft_model: "draft", draft_max: 5 }),
    });
    await res.body!.getReader().read();
    abort.abort();
    // busy counts every loaded model's held sequences: the draft's too.
    expect(await until(() => busy(s) === 0, 10_000)).toBe(true);
    const again = await openai.chat.completions.create({ model: "target", messages, ...greedy, ...extra({ draft_model: "draft", draft_max: 5 }) });
    expect(again.choices[0].message.content).toBe(plain.choices[0].message.content);
  });

  test("bad drafts get a precise 4xx naming draft_model, and the server goes on serving", async () => {
    const fail = (o: object, model = "target", client = openai) => client.chat.completions.create({ model, messages, ...greedy, ...extra(o) }).then(() => undefined, (e: unknown) => e as InstanceType<typeof OpenAI.APIError>);
    const unknown = await fail({ draft_model: "nope" });
    expect(unknown?.status).toBe(404);
    expect(unknown?.param).toBe("draft_model");
    const other = await fail({ draft_model: "coder" });
    expect(other?.status).toBe(400);
    expect(other?.message).toMatch(/"coder" cannot draft for "target"/);
    expect((await fail({ draft_model: "target" }))?.message).toMatch(/cannot draft for itself/);
    expect((await fail({ draft_model: "draft", draft_max: 0 }))?.status).toBe(400);
    expect((await fail({ draft_model: "draft", draft_p_min: 2 }))?.param).toBe("draft_p_min");
    const upstream = await fail({ draft_model: "draft" }, "target-via-b", new OpenAI({ baseURL: `${front.url}/v1`, apiKey: "x", maxRetries: 0 }));
    expect(upstream?.status).toBe(400);
    expect(upstream?.message).toMatch(/local models only/);
    const r = await ollama.create({ model: "bad", from: "target", parameters: { draft_max: 100 } as never, stream: false }).catch((e: Error) => e);
    expect(String(r)).toMatch(/draft_max/);
    const ok = await openai.chat.completions.create({ model: "target", messages, ...greedy, ...extra({ draft_model: "draft" }) });
    expect(ok.choices[0].message.content).toBeTruthy();
  });
});
