/**
 * POST /v1/rerank: documents ordered by relevance to a query, in the shape Jina's and Cohere's
 * rerank APIs, llama.cpp's server and vLLM share (what RAG stacks such as Open WebUI, LiteLLM
 * and LangChain send). Local reranker models score through llama.cpp's rank pooling; upstream
 * models through their own /rerank. Also at the other paths clients call for it: llama-server's
 * (/rerank, /reranking, /v1/reranking, where `model` may be left out as its clients do: the one
 * reranker here, or the one loaded), Cohere's v2 API (/v2/rerank, the same fields), and Text
 * Embeddings Inference's shape at /rerank (`texts` instead of `documents`, a bare array back).
 */
import type { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { App } from "../../app.ts";
import { addUsage } from "../../auth/hook.ts";
import { localModel } from "../llamacpp/shared.ts";
import { RERANK_PATHS } from "./rerankPaths.ts";
import { parseWire } from "./parse.ts";
import { modelName } from "./schemas.ts";
import { abortOnDisconnect } from "./sse.ts";

const document = z.union([z.string(), z.object({ text: z.string() }).strict()], { error: "must be a string or {\"text\": string}" });

/** Strict: fields such as Cohere's `max_chunks_per_doc` or `rank_fields` would change the answer, so they are refused, not ignored. */
export const rerankRequest = z.object({
  model: modelName,
  query: z.string().min(1, "must not be empty"),
  documents: z.array(document).min(1, "must not be empty").max(1000, "at most 1000 documents a request"),
  top_n: z.int().positive().nullish(),
  return_documents: z.boolean().nullish(),
  user: z.string().nullish(),
}).strict();

/** llama-server's paths: its clients send no model to a server that has one. */
const LLAMA_SERVER_PATHS = new Set<string>(["/rerank", "/reranking", "/v1/reranking"]);
export const rerankRequestAnyModel = rerankRequest.partial({ model: true });

/**
 * Text Embeddings Inference's POST /rerank (Haystack's and LlamaIndex's TEI rankers): no model (a
 * TEI server serves one), `texts`, and `[{index, score, text?}]` back, best first. Its scores are
 * the model's relevance scores as on the other paths; `raw_scores` (the logits before TEI's
 * sigmoid) and `truncate` (cutting long inputs instead of refusing them) are not offered.
 */
export const teiRequest = z.object({
  model: modelName.optional(),
  query: z.string().min(1, "must not be empty"),
  texts: z.array(z.string()).min(1, "must not be empty").max(1000, "at most 1000 texts a request"),
  return_text: z.boolean().nullish(),
  raw_scores: z.boolean().refine((v) => !v, "raw scores are not offered: leave it false").nullish(),
  truncate: z.boolean().refine((v) => !v, "inputs are not truncated: a text too long for the model is refused; leave it false").nullish(),
  truncation_direction: z.enum(["left", "right", "Left", "Right"]).nullish(),
}).strict();

/** What /rerank takes: llama-server's request (model optional) or TEI's. */
export const rerankOrTeiRequest = z.union([rerankRequestAnyModel, teiRequest]);

/** The one reranker here, or the one loaded when there are several (as llama.cpp's routes choose a model). */
async function defaultReranker(app: App, route: string): Promise<string> {
  return (await localModel(app, undefined, {
    route, qualifies: (m) => m.metadata?.reranker === true, preferLoaded: true,
    several: "several rerankers are available", none: "no reranker model here: import one, or name one in `model`",
  })).name;
}

const ranked = (scores: number[]) => scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);

export function rerankRoutes(server: FastifyInstance, app: App) {
  for (const path of RERANK_PATHS) server.post(path, { config: { scope: "inference" } }, async (req, reply) => {
    const raw = req.body as Record<string, unknown> | null;
    if (path === "/rerank" && raw && typeof raw === "object" && "texts" in raw) {
      const tei = parseWire(teiRequest, raw);
      const model = tei.model ?? (await defaultReranker(app, path));
      const r = await (await app.gateway.resolve(model)).rerank(tei.query, tei.texts, { signal: abortOnDisconnect(reply).signal });
      addUsage(req, r.promptTokens);
      return ranked(r.scores).map(({ index, score }) => ({ index, score, ...(tei.return_text ? { text: tei.texts[index] } : {}) }));
    }
    const body = parseWire(LLAMA_SERVER_PATHS.has(path) ? rerankRequestAnyModel : rerankRequest, req.body);
    const model = body.model ?? (await defaultReranker(app, path));
    const texts = body.documents.map((d) => (typeof d === "string" ? d : d.text));
    const backend = await app.gateway.resolve(model);
    const r = await backend.rerank(body.query, texts, { signal: abortOnDisconnect(reply).signal });
    addUsage(req, r.promptTokens);
    const order = ranked(r.scores);
    return {
      id: `rerank-${randomUUID()}`,
      object: "list",
      model,
      results: order.slice(0, body.top_n ?? order.length).map(({ index, score }) => ({
        index, relevance_score: score, ...(body.return_documents ? { document: { text: texts[index] } } : {}),
      })),
      usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
    };
  });
}
