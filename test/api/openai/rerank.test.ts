import { CohereClient, CohereClientV2, CohereError } from "cohere-ai";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";

/** POST /v1/rerank with a generated reranker (Qwen3-Reranker's layout), driven by Cohere's SDK. */
let s: TestServer;
let cohere: CohereClient;
const post = (body: unknown) => fetch(`${s.url}/v1/rerank`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

beforeAll(async () => {
  s = await startServer({ models: { rr: { shape: "tiny-rerank", seed: 3 }, tiny: { shape: "tiny" } } });
  cohere = new CohereClient({ token: "unused", environment: s.url });
});
afterAll(() => s?.close());

const DOCS = ["the water is blue", "hello world", "private local machine", "yes", "open data"];

describe("POST /v1/rerank", () => {
  test("every document scored from 0 to 1, ordered best first, the same scores the model gives each pair alone", async () => {
    const r = await cohere.rerank({ model: "rr", query: "what is the water like", documents: DOCS });
    expect(r.results.map((x) => x.index).sort()).toEqual([0, 1, 2, 3, 4]);
    const scores = r.results.map((x) => x.relevanceScore);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const x of scores) expect(x > 0 && x < 1).toBe(true);
    expect(new Set(scores).size).toBeGreaterThan(1); // a head that scores everything alike would pass nothing useful on
    // Each pair scored alone gives the same number: no state leaks from one document to the next.
    for (const { index, relevanceScore } of r.results) {
      const alone = await cohere.rerank({ model: "rr", query: "what is the water like", documents: [DOCS[index]] });
      expect(alone.results[0].relevanceScore).toBeCloseTo(relevanceScore, 5);
    }
  });

  test("top_n and return_documents; {text} documents; usage counts every pair's tokens", async () => {
    const r = await cohere.rerank({ model: "rr", query: "water", documents: DOCS.map((text) => ({ text })), topN: 2, returnDocuments: true });
    expect(r.results).toHaveLength(2);
    for (const x of r.results) expect(x.document).toEqual({ text: DOCS[x.index] });
    const raw = await (await post({ model: "rr", query: "water", documents: DOCS })).json();
    expect(raw).toMatchObject({ object: "list", model: "rr", usage: { prompt_tokens: expect.any(Number) } });
    expect(raw.usage.prompt_tokens).toBeGreaterThan(DOCS.length * 3);
    expect(raw.results.slice(0, 2).map((x: { index: number }) => x.index)).toEqual(r.results.map((x) => x.index));
  });

  test("the other paths clients call: Cohere's v2 API (its SDK) and llama-server's, the same ranking, each in its error shape", async () => {
    const v1 = await cohere.rerank({ model: "rr", query: "water", documents: DOCS, topN: 3 });
    const v2 = await new CohereClientV2({ token: "unused", environment: s.url }).rerank({ model: "rr", query: "water", documents: DOCS, topN: 3 });
    const ranking = v1.results.map((x) => [x.index, x.relevanceScore]);
    expect(v2.results.map((x) => [x.index, x.relevanceScore])).toEqual(ranking);
    for (const path of ["/rerank", "/reranking", "/v1/reranking"]) {
      const r = await fetch(`${s.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "rr", query: "water", documents: DOCS, top_n: 3 }) });
      expect(r.status, path).toBe(200);
      expect((await r.json()).results.map((x: { index: number; relevance_score: number }) => [x.index, x.relevance_score]), path).toEqual(ranking);
    }
    const send = (path: string, body: unknown) => fetch(`${s.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    // llama-server's clients send no model: the one reranker here ("tiny" is not one) serves.
    for (const path of ["/rerank", "/reranking", "/v1/reranking"]) {
      const r = await send(path, { query: "water", documents: DOCS, top_n: 3 });
      expect(r.status, path).toBe(200);
      const body = await r.json();
      expect(body.model, path).toBe("rr");
      expect(body.results.map((x: { index: number; relevance_score: number }) => [x.index, x.relevance_score]), path).toEqual(ranking);
    }
    expect((await send("/v1/rerank", { query: "water", documents: DOCS })).status).toBe(400); // Jina's and Cohere's API name the model
    // Text Embeddings Inference's shape: `texts`, a bare array back, best first.
    const tei = await send("/rerank", { query: "water", texts: DOCS, return_text: true });
    expect(tei.status).toBe(200);
    const teiBody = await tei.json();
    expect(teiBody).toHaveLength(DOCS.length);
    expect(teiBody.slice(0, 3).map((x: { index: number; score: number }) => [x.index, x.score])).toEqual(ranking);
    expect(teiBody[0].text).toBe(DOCS[teiBody[0].index]);
    expect(Object.keys((await (await send("/rerank", { query: "water", texts: DOCS })).json())[0]).sort()).toEqual(["index", "score"]);
    const raw = await send("/rerank", { query: "water", texts: DOCS, raw_scores: true });
    expect(raw.status).toBe(400);
    expect((await raw.json()).error.message).toMatch(/raw_scores: raw scores are not offered/);
    const bad = (path: string) => fetch(`${s.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "nope", query: "q", documents: ["d"] }) });
    expect(await (await bad("/v2/rerank")).json()).toEqual({ message: expect.stringMatching(/not found/) });
    expect((await (await bad("/rerank")).json()).error).toMatchObject({ code: 404, type: "not_found_error" });
    expect((await (await bad("/v1/reranking")).json()).error).toMatchObject({ type: "invalid_request_error", code: "model_not_found" });
    await expect(new CohereClientV2({ token: "unused", environment: s.url }).rerank({ model: "tiny", query: "q", documents: ["d"] })).rejects.toBeInstanceOf(CohereError);
  });

  test("a reranker says what it is: Ollama capabilities [\"rerank\"], not drawn into arena battles", async () => {
    const show = await (await fetch(`${s.url}/api/show`, { method: "POST", body: JSON.stringify({ model: "rr" }) })).json();
    expect(show.capabilities).toEqual(["rerank"]);
    const chatty = await (await fetch(`${s.url}/api/show`, { method: "POST", body: JSON.stringify({ model: "tiny" }) })).json();
    expect(chatty.capabilities).toContain("completion");
    const { models } = await (await fetch(`${s.url}/v1/arena/models`)).json();
    expect(models.map((m: { name: string }) => m.name)).toEqual(["tiny"]);
  });

  test("refusals: not a reranker, unknown model, empty or oversized input, fields it cannot honour", async () => {
    await expect(cohere.rerank({ model: "tiny", query: "q", documents: ["d"] })).rejects.toBeInstanceOf(CohereError);
    expect(s.app.runtime.ps().map((p) => p.name)).not.toContain("tiny"); // refused from its GGUF, not loaded first
    const cases: [unknown, number, RegExp][] = [
      [{ model: "tiny", query: "q", documents: ["d"] }, 400, /tiny is not a reranker/],
      [{ model: "nope", query: "q", documents: ["d"] }, 404, /not found/],
      [{ model: "rr", query: "", documents: ["d"] }, 400, /query/],
      [{ model: "rr", query: "q", documents: [] }, 400, /documents/],
      [{ model: "rr", query: "q", documents: [3] }, 400, /documents\.0/],
      [{ model: "rr", query: "q", documents: ["d"], rank_fields: ["title"] }, 400, /rank_fields/],
      [{ model: "rr", query: "q", documents: ["d"], top_n: 0 }, 400, /top_n/],
      [{ model: "rr", query: "q", documents: ["d", "word ".repeat(3000)] }, 400, /documents\[1\] is \d+ tokens long but the model's context holds/],
    ];
    for (const [body, status, message] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(status);
      expect((await res.json()).error.message).toMatch(message);
    }
    // Still serving.
    expect((await cohere.rerank({ model: "rr", query: "q", documents: ["d"] })).results).toHaveLength(1);
  });

  test("an upstream reranker (a second Freehold here, as llama-server or vLLM would be) gives the same scores through the proxy", async () => {
    const front = await startServer({ models: {} });
    try {
      await front.app.upstreams.add({ name: "remote-rr", baseUrl: `${s.url}/v1`, remoteModel: "rr" });
      const viaProxy = await new CohereClient({ token: "unused", environment: front.url }).rerank({ model: "remote-rr", query: "water", documents: DOCS });
      const direct = await cohere.rerank({ model: "rr", query: "water", documents: DOCS });
      expect(viaProxy.results.map((x) => [x.index, x.relevanceScore])).toEqual(direct.results.map((x) => [x.index, x.relevanceScore]));
    } finally {
      await front.close();
    }
  });

  test("one request at a time per reranker, behind a bounded queue: beyond it a 429 with Retry-After; a client that leaves frees its turn", async () => {
    const small = await startServer({ models: { rr: { shape: "tiny-rerank", seed: 3 } }, app: { runtime: { queueLimit: 0 } } });
    try {
      const many = { model: "rr", query: "water", documents: Array.from({ length: 400 }, (_, i) => `document number ${i} about open data`) };
      const send = (signal?: AbortSignal) => fetch(`${small.url}/v1/rerank`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(many), signal });
      await send(); // loads the model and its ranking context
      const leaving = new AbortController();
      const first = send(leaving.signal).catch(() => undefined);
      const busy = () => small.app.runtime.ps().reduce((n, p) => n + p.busySequences, 0);
      for (let i = 0; i < 1000 && busy() === 0; i++) await new Promise((r) => setTimeout(r, 10));
      const refused = await send();
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
      expect((await refused.json()).error).toMatchObject({ type: "rate_limit_exceeded" });
      leaving.abort();
      await first;
      for (let i = 0; i < 1000 && busy() > 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(busy()).toBe(0); // the abort ended its pairs early: the turn is free
      const again = await fetch(`${small.url}/v1/rerank`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "rr", query: "q", documents: ["d"] }) });
      expect(again.status).toBe(200);
    } finally {
      await small.close();
    }
  });
});
