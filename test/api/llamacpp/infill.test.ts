import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getLlama } from "../../../src/runtime/llama.ts";
import { infillTokens } from "../../../src/runtime/infill.ts";
import { testModel } from "../../helpers/models.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";
import { busy, until } from "../openai/helpers.ts";

/**
 * llama.cpp's /infill as its editor plugins send it (llama.vim's request, fields and all), on a
 * generated model with a code model's FIM tokens.
 */
let s: TestServer, guarded: TestServer;
const extra = [{ text: "def helper():\n    return 42\n", filename: "util.py", time: [1, 2] }];
const vim = {
  input_prefix: "import util\n\ndef add(a, b):\n", input_suffix: "\n\nprint(add(1, 2))\n", input_extra: extra, prompt: "    return",
  n_predict: 8, stop: [], n_indent: 4, top_k: 40, top_p: 0.9, stream: false, samplers: ["top_k", "top_p", "infill"], cache_prompt: true,
  t_max_prompt_ms: 500, t_max_predict_ms: 1000,
  response_fields: ["content", "timings/prompt_n", "timings/prompt_ms", "timings/prompt_per_token_ms", "timings/prompt_per_second",
    "timings/predicted_n", "timings/predicted_ms", "timings/predicted_per_token_ms", "timings/predicted_per_second", "truncated", "tokens_cached"],
};
const post = async (body: object, server = s, headers: Record<string, string> = {}) => {
  const r = await fetch(`${server.url}/infill`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: r.status, text: await r.text() };
};

beforeAll(async () => {
  [s, guarded] = await Promise.all([
    startServer({ models: { coder: { shape: "tiny-coder" }, tiny: { shape: "tiny" } } }),
    startServer({ models: { coder: { shape: "tiny-coder" } }, config: { server: { requireAuth: true } } }),
  ]);
});
afterAll(async () => { await s?.close(); await guarded?.close(); });

describe("POST /infill", () => {
  test("llama.vim's request: the prompt llama-server builds, only the response_fields asked for", async () => {
    const r = await post(vim);
    expect(r.status).toBe(200);
    const body = JSON.parse(r.text);
    expect(Object.keys(body).sort()).toEqual([...vim.response_fields].sort());
    expect(body["timings/predicted_n"]).toBeGreaterThan(0);
    expect(body.truncated).toBe(false);

    // The same tokens, sent as a token-id completion, give the same answer (greedy, no cache).
    const model = await (await getLlama({ gpu: false })).loadModel({ modelPath: await testModel({ shape: "tiny-coder" }) });
    const tokens = infillTokens(model, vim.input_prefix, vim.input_suffix, 2048, { middle: vim.prompt, extra, maxTokens: 8 });
    // The snippet comes first, after the repo-name token and its file's separator, before BOS.
    expect(tokens[0]).toBe(model.tokenize("<|repo_name|>", true)[0]);
    expect(tokens.indexOf(model.tokens.bos!)).toBeGreaterThan(tokens.indexOf(model.tokenize("<|file_sep|>", true)[0]));
    await model.dispose();
    const greedy = { n_predict: 8, temperature: 0, seed: 7, stream: false };
    const whole = JSON.parse((await post({ ...vim, ...greedy, response_fields: undefined, n_indent: 0 })).text);
    const ids = await (await fetch(`${s.url}/v1/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "coder", prompt: tokens, max_tokens: 8, temperature: 0, seed: 7 }),
    })).json();
    expect(whole.content).toBe(ids.choices[0].text);
    expect(whole).toMatchObject({ model: "coder", stop: true, tokens_evaluated: tokens.length, stop_type: expect.stringMatching(/^(eos|limit)$/) });
  });

  test("streamed: data events without [DONE], the pieces making the answer, the last one stop: true with timings", async () => {
    const greedy = { ...vim, n_predict: 10, temperature: 0, seed: 3, n_indent: 0, response_fields: undefined };
    const whole = JSON.parse((await post(greedy)).text);
    const r = await post({ ...greedy, stream: true });
    const events = r.text.split("\n\n").filter(Boolean).map((e) => { expect(e.startsWith("data: ")).toBe(true); return JSON.parse(e.slice(6)); });
    expect(r.text).not.toContain("[DONE]");
    const last = events.at(-1);
    expect(last).toMatchObject({ stop: true, content: "", tokens_predicted: whole.tokens_predicted, timings: { predicted_n: whole.tokens_predicted } });
    expect(events.slice(0, -1).every((e) => e.stop === false)).toBe(true);
    expect(events.slice(0, -1).map((e) => e.content).join("")).toBe(whole.content);
  });

  test("the caller's next request reuses the prompt it shares (the snippets first); n_predict 0 prepares it", async () => {
    const warm = { ...vim, input_prefix: "", input_suffix: "", prompt: "", n_predict: 0, response_fields: [""] };
    const w = await post({ ...warm, input_extra: [...extra, { text: "x = 1\n" }] });
    expect(w).toMatchObject({ status: 200, text: "{}" }); // response_fields [""]: nothing asked for
    const r = JSON.parse((await post({ ...vim, input_extra: [...extra, { text: "x = 1\n" }], response_fields: undefined })).text);
    expect(r.timings.cache_n).toBeGreaterThan(10);
    expect(r.timings.prompt_n).toBe(r.tokens_evaluated - r.timings.cache_n);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(Number(/^freehold_prompt_cached_tokens_total\{model="coder"\} (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(r.timings.cache_n);
  });

  test("without model, the one model that can fill in the middle; refused in llama-server's error shape", async () => {
    const refused = async (body: object, pattern: RegExp, server = s) => {
      const r = await post(body, server);
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text)).toEqual({ error: { code: 400, type: "invalid_request_error", message: expect.stringMatching(pattern) } });
    };
    await refused({ input_suffix: "" }, /input_prefix/);
    await refused({ ...vim, mirostat: 2 }, /mirostat/);
    await refused({ ...vim, model: "tiny" }, /does not support insert/);
    await refused({ ...vim, n_predict: -2 }, /n_predict/);
    await s.app.models.register(await testModel({ shape: "tiny-coder", seed: 2 }), { name: "coder-2", source: "generated" });
    await refused({ ...vim, model: " " }, /several models can fill in the middle \(coder, coder-2\)/);
    expect((await post({ ...vim, model: "coder-2" })).status).toBe(200);
  });

  test("a client that leaves mid-stream frees its sequence; the server keeps serving", async () => {
    const abort = new AbortController();
    const res = await fetch(`${s.url}/infill`, {
      method: "POST", headers: { "content-type": "application/json" }, signal: abort.signal,
      body: JSON.stringify({ ...vim, model: "coder", n_predict: -1, n_indent: 0, t_max_predict_ms: 0, stream: true, response_fields: undefined }),
    });
    const reader = res.body!.getReader();
    await reader.read(); // the first event: generating
    abort.abort();
    expect(await until(() => busy(s) === 0, 10_000)).toBe(true);
    expect((await post({ ...vim, model: "coder", n_predict: 2 })).status).toBe(200);
  });

  test("a server that requires keys requires one here: inference scope", async () => {
    expect((await post(vim, guarded)).status).toBe(401);
    const { secret } = await guarded.app.auth.create({ name: "editor", scopes: ["inference"] });
    expect((await post(vim, guarded, { authorization: `Bearer ${secret}` })).status).toBe(200);
  });
});
