import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { testModel } from "../../helpers/models.ts";
import { startServer, type TestServer } from "../../helpers/server.ts";

/**
 * llama.cpp's server's tokenizer routes and /props, as its clients call them, on a generated
 * model (a SentencePiece vocabulary with byte-fallback tokens and ChatML's special tokens).
 */
let s: TestServer;
const post = async (path: string, body: unknown) => {
  const r = await fetch(`${s.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
};
const ok = async (path: string, body: unknown) => {
  const r = await post(path, body);
  expect(r.status, JSON.stringify(r.json)).toBe(200);
  return r.json;
};
const refused = async (path: string, body: unknown, status: number, type: string, pattern: RegExp) => {
  const r = await post(path, body);
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  expect(r.json).toEqual({ error: { code: status, type, message: expect.stringMatching(pattern) } });
};

const TEXT = "Hello world, the model answers: café 10€";

beforeAll(async () => { s = await startServer({ models: { tiny: { shape: "tiny" } } }); });
afterAll(async () => { await s?.close(); });

describe("POST /tokenize and /detokenize", () => {
  test("round trip: the pieces joined are the text (with SentencePiece's prefix space), bytes where a piece is part of a character", async () => {
    const { tokens } = await ok("/tokenize", { content: TEXT });
    expect(tokens.every((t: unknown) => Number.isInteger(t))).toBe(true);
    // llama-server joins the pieces as they are: a SentencePiece vocabulary's first word keeps its "▁".
    expect(await ok("/detokenize", { tokens })).toEqual({ content: ` ${TEXT}` });

    const { tokens: pieces } = await ok("/tokenize", { content: TEXT, with_pieces: true });
    expect(pieces.map((p: { id: number }) => p.id)).toEqual(tokens);
    const bytes = Buffer.concat(pieces.map((p: { piece: string | number[] }) => (typeof p.piece === "string" ? Buffer.from(p.piece) : Buffer.from(p.piece))));
    expect(bytes.toString("utf8")).toBe(` ${TEXT}`);
    // "é" and "€" are not in this vocabulary: byte-fallback tokens, each a byte that is no character alone.
    const arrays = pieces.filter((p: { piece: unknown }) => Array.isArray(p.piece));
    expect(arrays.length).toBe(Buffer.byteLength("é€"));
    for (const a of arrays) expect(a.piece).toEqual([expect.any(Number)]);
  });

  test("add_special, parse_special and mixed content as llama-server takes them", async () => {
    const plain = (await ok("/tokenize", { content: "Hi" })).tokens;
    const withBos = (await ok("/tokenize", { content: "Hi", add_special: true, with_pieces: true })).tokens;
    expect(withBos[0]).toEqual({ id: 1, piece: "<s>" });
    expect(withBos.slice(1).map((p: { id: number }) => p.id)).toEqual(plain);

    // Special-token text is the token by default; with parse_special false it is characters.
    const special = (await ok("/tokenize", { content: "<|im_start|>", with_pieces: true })).tokens;
    expect(special).toEqual([{ id: expect.any(Number), piece: "<|im_start|>" }]);
    const chars = (await ok("/tokenize", { content: "<|im_start|>", parse_special: false })).tokens;
    expect(chars.length).toBeGreaterThan(1);
    expect(chars).not.toContain(special[0].id);

    // Text and ids mixed: BOS only before a first piece of text, ids kept where they are.
    const x = (await ok("/tokenize", { content: "x" })).tokens;
    expect((await ok("/tokenize", { content: ["Hi", 5, "x"], add_special: true })).tokens).toEqual([1, ...plain, 5, ...x]);
    expect((await ok("/tokenize", { content: [5, "x"], add_special: true })).tokens).toEqual([5, ...x]);
    expect(await ok("/tokenize", {})).toEqual({ tokens: [] });
    expect(await ok("/detokenize", { tokens: [] })).toEqual({ content: "" });
  });

  test("bad input: a precise 400 in llama-server's error shape, and the server keeps serving", async () => {
    await refused("/tokenize", { content: 5 }, 400, "invalid_request_error", /^content: must be a string or an array/);
    await refused("/tokenize", { content: ["x", 512] }, 400, "invalid_request_error", /^content\.1: 512 is not a token of this model \(its vocabulary has 512, 0 to 511\)/);
    await refused("/detokenize", { tokens: [1, -3] }, 400, "invalid_request_error", /^tokens\.1: -3 is not a token/);
    await refused("/detokenize", { tokens: "1 2" }, 400, "invalid_request_error", /^tokens: /);
    await refused("/detokenize", { tokens: [1], model: "nope" }, 404, "not_found_error", /model "nope" not found/);
    await refused("/apply-template", { messages: [] }, 400, "invalid_request_error", /^messages: /);
    await refused("/apply-template", { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "x" } }] }] }, 400, "invalid_request_error", /image/);
    await refused("/apply-template", { messages: [{ role: "user", content: "hi" }], tools: [{ type: "function", function: { name: "f" } }] }, 400, "invalid_request_error", /^tools: tools are not rendered here/);
    // Fields llama-server does not know are ignored, as it ignores them.
    expect((await ok("/tokenize", { content: "x", add_bos: true })).tokens).toEqual((await ok("/tokenize", { content: "x" })).tokens);
    const bad = await fetch(`${s.url}/tokenize`, { method: "POST", headers: { "content-type": "application/json" }, body: "{" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatchObject({ code: 400, type: "invalid_request_error" });
    expect((await ok("/tokenize", { content: "still here" })).tokens.length).toBeGreaterThan(0);
  });
});

describe("GET /props", () => {
  test("the model's context, slots, default sampling and chat template; its name, never its path", async () => {
    const r = await fetch(`${s.url}/props?model=tiny`);
    expect(r.status).toBe(200);
    const props = await r.json();
    const record = (await s.app.models.find("tiny"))!;
    const running = s.app.runtime.ps().find((m) => m.name === "tiny")!;
    expect(props).toEqual({
      default_generation_settings: {
        n_ctx: running.contextSize,
        params: expect.objectContaining({ seed: 4294967295, temperature: 0.8, top_k: 40, top_p: 0.95, min_p: 0.05, n_predict: -1, repeat_last_n: 64, samplers: ["penalties", "top_k", "top_p", "min_p", "temperature"] }),
      },
      total_slots: running.sequences,
      model_alias: "tiny", model_path: "tiny",
      modalities: { vision: false, video: false, audio: false },
      chat_template: record.chatTemplate,
      build_info: expect.stringMatching(/^freehold \d/),
    });
    expect(JSON.stringify(props)).not.toContain(record.path);
  });

  test("without a model: the only one, else the only one loaded, else a 400 naming them", async () => {
    await s.app.models.register(await testModel({ shape: "tiny", seed: 3 }), { name: "tiny-b", source: "generated" });
    // "tiny" is loaded (the tests above used it), "tiny-b" is not: the loaded one serves.
    expect(s.app.runtime.ps().map((m) => m.name)).toEqual(["tiny"]);
    expect((await (await fetch(`${s.url}/props`)).json()).model_path).toBe("tiny");
    expect((await ok("/tokenize", { content: "x" })).tokens.length).toBeGreaterThan(0);
    await s.app.runtime.unload({ name: "tiny", path: (await s.app.models.find("tiny"))!.path });
    const r = await fetch(`${s.url}/props`);
    expect(r.status).toBe(400);
    expect((await r.json()).error).toEqual({ code: 400, type: "invalid_request_error", message: expect.stringMatching(/several models are available \(tiny, tiny-b\): name one in `model`/) });
    await refused("/completion", { prompt: "x", n_predict: 1 }, 400, "invalid_request_error", /several models are available/);
    expect((await (await fetch(`${s.url}/props?model=tiny-b`)).json()).model_path).toBe("tiny-b");
  });

  test("an upstream model is refused: these routes serve local models", async () => {
    await s.app.upstreams.add({ name: "far", baseUrl: "http://127.0.0.1:9/v1", remoteModel: "m" });
    await refused("/tokenize", { model: "far", content: "x" }, 400, "invalid_request_error", /"far" is an upstream model: \/tokenize serves local models/);
    const r = await fetch(`${s.url}/props?model=far`);
    expect(r.status).toBe(400);
  });
});

describe("POST /apply-template", () => {
  test("the chat route's prompt: its tokens are the chat's prompt tokens, and /completion evaluates exactly those", async () => {
    const messages = [{ role: "system", content: "Be brief." }, { role: "user", content: "What is a GGUF file?" }];
    const { prompt } = await ok("/apply-template", { model: "tiny", messages });
    // The ChatML template, with the generation prompt and without the BOS the tokenizer adds.
    expect(prompt).toBe("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is a GGUF file?<|im_end|>\n<|im_start|>assistant\n");
    const chat = await ok("/v1/chat/completions", { model: "tiny", messages, max_tokens: 1 });
    const { tokens } = await ok("/tokenize", { model: "tiny", content: prompt, add_special: true });
    expect(tokens.length).toBe(chat.usage.prompt_tokens);
    const completion = await ok("/completion", { model: "tiny", prompt, n_predict: 1, temperature: 0 });
    expect(completion.tokens_evaluated).toBe(chat.usage.prompt_tokens);
  });

  test("a model's preset (Modelfile system prompt) is in it, as the chat route applies it", async () => {
    const created = await fetch(`${s.url}/api/create`, {
      method: "POST", body: JSON.stringify({ model: "terse", from: "tiny", system: "You answer in one line.", parameters: { temperature: 0.25, num_predict: 7 }, stream: false }),
    });
    expect(created.status).toBe(200);
    const { prompt } = await ok("/apply-template", { model: "terse", messages: [{ role: "user", content: "Hi" }] });
    expect(prompt).toBe("<|im_start|>system\nYou answer in one line.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
    const chat = await ok("/v1/chat/completions", { model: "terse", messages: [{ role: "user", content: "Hi" }], max_tokens: 1 });
    expect((await ok("/tokenize", { model: "terse", content: prompt, add_special: true })).tokens.length).toBe(chat.usage.prompt_tokens);

    // /props reports what the preset sets.
    const props = await (await fetch(`${s.url}/props?model=terse`)).json();
    expect(props.default_generation_settings).toMatchObject({ n_ctx: 2048, params: { temperature: 0.25, top_k: 40, n_predict: 7 } });
    expect(props.model_path).toBe("terse");
  });
});

test("the OpenAPI document lists the routes under the llama.cpp-compatible tag, with llama-server's error shape", async () => {
  const doc = await (await fetch(`${s.url}/openapi.json`)).json();
  for (const [path, method] of [["/completion", "post"], ["/tokenize", "post"], ["/detokenize", "post"], ["/apply-template", "post"], ["/props", "get"], ["/infill", "post"]]) {
    const op = doc.paths[path]?.[method];
    expect(op, path).toMatchObject({ tags: ["llama.cpp-compatible"], responses: { default: { content: { "application/json": { schema: { $ref: "#/components/schemas/LlamaCppError" } } } } } });
    if (method === "post") expect(op.requestBody.content["application/json"].schema.$ref, path).toMatch(/^#\/components\/schemas\//);
  }
  expect(doc.paths["/completion"].post.responses["200"].content).toHaveProperty(["text/event-stream"]);
  expect(doc.components.schemas.LlamaCppCompletionRequest.properties).toHaveProperty("n_probs");
});
