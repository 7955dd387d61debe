import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";
import { busy, until } from "../openai/helpers.ts";

/**
 * llama.cpp's server's native POST /completion, as its clients send it, on a generated model:
 * the runtime's completion path (the same answer as /v1/completions), llama-server's answer,
 * stream, probabilities and errors.
 */
let s: TestServer, guarded: TestServer;
const post = async (path: string, body: unknown, server = s, headers: Record<string, string> = {}) => {
  const r = await fetch(`${server.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
};
const ok = async (path: string, body: unknown) => {
  const r = await post(path, body);
  expect(r.status, r.text).toBe(200);
  return JSON.parse(r.text);
};
const events = (text: string) => text.split("\n\n").filter(Boolean).map((e) => {
  expect(e.startsWith("data: ")).toBe(true);
  return JSON.parse(e.slice(6));
});
/** Byte-fallback tokens (<0x00>..<0xFF>) banned: answers of whole pieces, readable and joinable. */
const WORDS_ONLY = Array.from({ length: 256 }, (_, i) => [i + 3, false]);
const PROMPT = "The capital of France is";

beforeAll(async () => {
  [s, guarded] = await Promise.all([
    startServer({ models: { tiny: { shape: "tiny" } } }),
    startServer({ models: { tiny: { shape: "tiny" } }, config: { server: { requireAuth: true } } }),
  ]);
});
afterAll(async () => { await s?.close(); await guarded?.close(); });

describe("POST /completion", () => {
  test("temperature 0: the same answer as /v1/completions, in llama-server's shape", async () => {
    const r = await ok("/completion", { prompt: PROMPT, n_predict: 8, temperature: 0 });
    const v1 = await ok("/v1/completions", { model: "tiny", prompt: PROMPT, max_tokens: 8, temperature: 0 });
    expect(r.content).toBe(v1.choices[0].text);
    expect(Object.keys(r)).toEqual([
      "index", "content", "tokens", "id_slot", "stop", "model", "tokens_predicted", "tokens_evaluated", "generation_settings", "prompt",
      "has_new_line", "truncated", "stop_type", "stopping_word", "tokens_cached", "timings",
    ]);
    expect(r).toMatchObject({
      index: 0, tokens: [], stop: true, model: "tiny", tokens_evaluated: v1.usage.prompt_tokens, tokens_predicted: v1.usage.completion_tokens,
      prompt: `<s> ${PROMPT}`, truncated: false, stop_type: expect.stringMatching(/^(eos|limit)$/), stopping_word: "",
      tokens_cached: v1.usage.prompt_tokens + v1.usage.completion_tokens - 1,
      generation_settings: { temperature: 0, top_k: 40, n_predict: 8, max_tokens: 8, seed: 4294967295, stop: [], n_probs: 0, stream: false },
      timings: { predicted_n: v1.usage.completion_tokens, prompt_n: expect.any(Number), cache_n: expect.any(Number) },
    });
    expect(r.timings.prompt_n + r.timings.cache_n).toBe(r.tokens_evaluated);
    // The prompt as token ids, BOS included as /tokenize adds it, is the same prompt.
    const { tokens } = await ok("/tokenize", { content: PROMPT, add_special: true });
    expect(tokens.length).toBe(r.tokens_evaluated);
    expect((await ok("/completion", { prompt: tokens, n_predict: 8, temperature: 0 })).content).toBe(r.content);
  });

  test("streamed: data events without [DONE] that make the answer; the last has stop: true and the rest", async () => {
    const body = { prompt: PROMPT, n_predict: 12, temperature: 0, logit_bias: WORDS_ONLY, ignore_eos: true };
    const whole = await ok("/completion", body);
    const r = await post("/completion", { ...body, stream: true });
    expect(r.status).toBe(200);
    expect(r.text).not.toContain("[DONE]");
    const all = events(r.text);
    const last = all.at(-1);
    expect(last).toMatchObject({ stop: true, content: "", tokens: [], stop_type: "limit", tokens_predicted: 12, generation_settings: { stream: true }, timings: { predicted_n: 12 } });
    const pieces = all.slice(0, -1);
    expect(pieces.length).toBeGreaterThan(1);
    for (const e of pieces) expect(e).toMatchObject({ index: 0, stop: false, id_slot: -1, tokens_evaluated: whole.tokens_evaluated });
    expect(pieces.map((e) => e.content).join("")).toBe(whole.content);

    // With n_probs, each event carries its tokens' ids and probabilities.
    const withProbs = events((await post("/completion", { ...body, stream: true, n_probs: 2 })).text);
    const streamed = withProbs.slice(0, -1).flatMap((e) => e.completion_probabilities ?? []);
    expect(streamed.length).toBe(12);
    expect(withProbs.slice(0, -1).flatMap((e) => e.tokens)).toEqual(streamed.map((p) => p.id));
    expect(withProbs.at(-1).completion_probabilities).toBeUndefined();
  });

  test("n_probs: that many candidates per token, probabilities in [0, 1]; return_tokens: the ids, which detokenize to the answer", async () => {
    const greedy = await ok("/completion", { prompt: PROMPT, n_predict: 6, temperature: 0, n_probs: 3, return_tokens: true, logit_bias: WORDS_ONLY, ignore_eos: true });
    const probs = greedy.completion_probabilities;
    expect(probs).toHaveLength(6);
    expect(greedy.tokens).toEqual(probs.map((p: { id: number }) => p.id));
    expect((await ok("/detokenize", { tokens: greedy.tokens })).content).toBe(greedy.content);
    for (const p of probs) {
      expect(p).toEqual({ id: expect.any(Number), token: expect.any(String), bytes: expect.any(Array), logprob: expect.any(Number), top_logprobs: expect.any(Array) });
      expect(p.top_logprobs).toHaveLength(3);
      expect(p.top_logprobs[0].id).toBe(p.id); // greedy: the most probable
      for (const c of p.top_logprobs) {
        expect(Math.exp(c.logprob)).toBeGreaterThanOrEqual(0);
        expect(Math.exp(c.logprob)).toBeLessThanOrEqual(1);
      }
      expect(p.top_logprobs.map((c: { logprob: number }) => c.logprob)).toEqual([...p.top_logprobs.map((c: { logprob: number }) => c.logprob)].sort((a, b) => b - a));
    }

    // post_sampling_probs: probabilities after the sampler chain.
    const sampled = await ok("/completion", { prompt: PROMPT, n_predict: 5, temperature: 1, seed: 11, n_probs: 4, post_sampling_probs: true, ignore_eos: true });
    expect(sampled.completion_probabilities).toHaveLength(5);
    for (const p of sampled.completion_probabilities) {
      expect(p.prob).toBeGreaterThan(0);
      expect(p.prob).toBeLessThanOrEqual(1);
      expect(p.top_probs).toHaveLength(4);
      for (const c of p.top_probs) expect(c.prob).toBeGreaterThan(0);
      expect(p.top_probs.reduce((n: number, c: { prob: number }) => n + c.prob, 0)).toBeLessThanOrEqual(1 + 1e-6);
    }
    // A greedy pick leaves one candidate, of probability 1, as llama-server reports it.
    const post1 = await ok("/completion", { prompt: PROMPT, n_predict: 2, temperature: 0, n_probs: 4, post_sampling_probs: true, ignore_eos: true });
    for (const p of post1.completion_probabilities) expect(p).toMatchObject({ prob: 1, top_probs: [{ id: p.id, prob: 1 }] });
  });

  test("stop strings, grammar, json_schema, response_fields", async () => {
    const base = { prompt: PROMPT, n_predict: 16, temperature: 0, logit_bias: WORDS_ONLY, ignore_eos: true };
    const full = (await ok("/completion", base)).content as string;
    const stop = full.slice(6, 9);
    const at = full.indexOf(stop);
    const stopped = await ok("/completion", { ...base, stop, n_probs: 1 });
    expect(stopped).toMatchObject({ content: full.slice(0, at), stop_type: "word", stopping_word: stop, generation_settings: { stop: [stop] } });
    // Its probabilities without the stop string's tokens' worth, as llama-server trims them.
    const { tokens: stopTokens } = await ok("/tokenize", { content: stop, parse_special: false });
    expect(stopped.completion_probabilities).toHaveLength(Math.max(0, stopped.tokens_predicted - stopTokens.length));

    const yesNo = await ok("/completion", { prompt: PROMPT, n_predict: 10, temperature: 0, grammar: 'root ::= "yes" | "no"' });
    expect(["yes", "no"]).toContain(yesNo.content);
    const json = await ok("/completion", { prompt: PROMPT, n_predict: 40, temperature: 0, json_schema: { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] } });
    expect(typeof JSON.parse(json.content).ok).toBe("boolean");

    const some = await ok("/completion", { ...base, n_predict: 2, response_fields: ["content", "timings/predicted_n", "generation_settings/n_predict", "nope"] });
    expect(some).toEqual({ content: expect.any(String), "timings/predicted_n": 2, "generation_settings/n_predict": 2 });
  });

  test("the caller's next completion reuses the prompt it shares; n_predict 0 only evaluates the prompt", async () => {
    const long = `${PROMPT} ${"and the model answers the question ".repeat(12)}`;
    const warm = await ok("/completion", { prompt: long, n_predict: 0 });
    expect(warm).toMatchObject({ content: "", tokens_predicted: 0, stop_type: "limit" });
    const next = await ok("/completion", { prompt: `${long} again`, n_predict: 2, temperature: 0 });
    expect(next.timings.cache_n).toBeGreaterThan(50);
    expect(next.timings.prompt_n).toBe(next.tokens_evaluated - next.timings.cache_n);
  });

  test("bad input: a precise 4xx in llama-server's error shape; the server keeps serving", async () => {
    const refused = async (body: unknown, status: number, type: string, pattern: RegExp, extra: object = {}) => {
      const r = await post("/completion", body);
      expect(r.status, r.text).toBe(status);
      expect(JSON.parse(r.text)).toEqual({ error: { code: status, type, message: expect.stringMatching(pattern), ...extra } });
    };
    await refused({ n_predict: 2 }, 400, "invalid_request_error", /^prompt: /);
    await refused({ prompt: 5 }, 400, "invalid_request_error", /^prompt: must be a string, or an array of token ids and strings/);
    await refused({ prompt: "x", n_predict: "2" }, 400, "invalid_request_error", /^n_predict: /);
    await refused({ prompt: "x", n_predict: -2 }, 400, "invalid_request_error", /^n_predict: /);
    await refused({ prompt: "x", top_p: 2 }, 400, "invalid_request_error", /^top_p: /);
    await refused({ prompt: "x", lora: [{ id: 0, scale: 1 }] }, 400, "invalid_request_error", /^lora: no adapter 0: this model applies none/);
    await refused({ prompt: "x", n_cmpl: 2 }, 400, "invalid_request_error", /^n_cmpl: one completion per request/);
    await refused({ prompt: "x", mirostat: 2 }, 400, "invalid_request_error", /^mirostat: Freehold has no Mirostat sampler: send 0/);
    await refused({ prompt: "x", repeat_penalty: 1.2, repeat_last_n: 256 }, 400, "invalid_request_error", /^repeat_last_n: .*last 64 tokens/);
    await refused({ prompt: ["a", "b"] }, 400, "invalid_request_error", /several prompts/);
    await refused({ prompt: [1, 2, 600] }, 400, "invalid_request_error", /^prompt\.2: 600 is not a token of this model/);
    await refused({ prompt: "x", logit_bias: [[9999, 1]] }, 400, "invalid_request_error", /^logit_bias: token 9999 is not in this model's vocabulary/);
    await refused({ prompt: "x", grammar: "root ::= nowhere" }, 400, "invalid_request_error", /gbnf/);
    await refused({ prompt: "x", model: "nope" }, 404, "not_found_error", /model "nope" not found/);
    await refused({ prompt: "x ".repeat(3000), n_predict: 1 }, 400, "exceed_context_size_error", /the prompt is \d+ tokens long but the model's context holds 2048/,
      { n_prompt_tokens: expect.any(Number), n_ctx: 2048 });
    // Samplers Freehold lacks, sent switched off (as front-ends send them), are accepted.
    const off = await ok("/completion", {
      prompt: "x", n_predict: 1, mirostat: 0, mirostat_tau: 5, mirostat_eta: 0.1, typical_p: 1, xtc_probability: 0, xtc_threshold: 0.1,
      dry_multiplier: 0, dry_base: 1.75, dry_allowed_length: 2, dry_penalty_last_n: -1, dry_sequence_breakers: ["\n"], top_n_sigma: -1,
      dynatemp_range: 0, dynatemp_exponent: 1, min_keep: 0, repeat_last_n: 128, cache_prompt: true, samplers: ["top_k"], n_keep: 0,
      lora: [], n_cmpl: 1, return_progress: false,
    });
    expect(off.tokens_predicted).toBe(1);
    // Fields llama-server does not know are ignored, as it ignores them: SillyTavern sends one
    // shape, the union of several backends' fields, to every backend.
    const union = await ok("/completion", {
      prompt: "x", n_predict: 1, max_new_tokens: 1, tfs_z: 1, penalize_nl: false, truncation_length: 2048, ban_eos_token: false, sampler_priority: ["temperature"],
    });
    expect(union.tokens_predicted).toBe(1);
  });

  test("a client that leaves mid-stream frees its sequence; the server keeps serving", async () => {
    const abort = new AbortController();
    const res = await fetch(`${s.url}/completion`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: abort.signal,
      body: JSON.stringify({ prompt: PROMPT, n_predict: -1, temperature: 0, ignore_eos: true, stream: true }),
    });
    await res.body!.getReader().read(); // the first event: generating
    abort.abort();
    expect(await until(() => busy(s) === 0, 10_000)).toBe(true);
    // ignore_eos: sampled at the default temperature, a random-weight model may end after one token.
    expect((await ok("/completion", { prompt: PROMPT, n_predict: 2, ignore_eos: true })).tokens_predicted).toBe(2);
  });
});

describe("keys", () => {
  test("a server that requires keys requires one on every llama.cpp route: the inference scope", async () => {
    const calls: [string, unknown][] = [
      ["/completion", { prompt: "x", n_predict: 1 }], ["/tokenize", { content: "x" }], ["/detokenize", { tokens: [5] }],
      ["/apply-template", { messages: [{ role: "user", content: "x" }] }], ["/props", undefined],
    ];
    const call = (path: string, body: unknown, headers: Record<string, string> = {}) => body === undefined
      ? fetch(`${guarded.url}${path}`, { headers }).then((r) => r.status)
      : post(path, body, guarded, headers).then((r) => r.status);
    const { secret: user } = await guarded.app.auth.create({ name: "front-end", scopes: ["inference"] });
    const { secret: other } = await guarded.app.auth.create({ name: "ops", scopes: ["models"] });
    for (const [path, body] of calls) {
      expect(await call(path, body), path).toBe(401);
      expect(await call(path, body, { authorization: `Bearer ${other}` }), path).toBe(403);
      expect(await call(path, body, { authorization: `Bearer ${user}` }), path).toBe(200);
    }
  });
});
