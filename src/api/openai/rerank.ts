/**
 * POST /v1/rerank: documents ordered by relevance to a query, in the shape Jina's and Cohere's
 * rerank APIs, llama.cpp's server and vLLM share (what RAG stacks such as Open WebUI, LiteLLM
 * and LangChain send). Local reranker models score through llama.cpp's rank pooling; upstream
 * models through their own /rerank. Also at the other paths clients call for it: llama-server's
 * (/rerank, /reranking, /v1/reranking) and Cohere's v2 API (/v2/rerank, the same fields).
 */
import type { FastifyInstance } from "fastify";
import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { App } from "../../app.ts";
import { addUsage } from "../../auth/hook.ts";
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

export function rerankRoutes(server: FastifyInstance, app: App) {
  for (const path of RERANK_PATHS) server.post(path, { config: { scope: "inference" } }, async (req, reply) => {
    const body = parseWire(rerankRequest, req.body);
    const texts = body.documents.map((d) => (typeof d === "string" ? d : d.text));
    const backend = await app.gateway.resolve(body.model);
    const r = await backend.rerank(body.query, texts, { signal: abortOnDisconnect(reply).signal });
    addUsage(req, r.promptTokens);
    const order = r.scores.map((score, index) => ({ index, score })).sort((a, b) => b.score - a.score || a.index - b.index);
    return {
      id: `rerank-${randomUUID()}`,
      object: "list",
      model: body.model,
      results: order.slice(0, body.top_n ?? order.length).map(({ index, score }) => ({
        index, relevance_score: score, ...(body.return_documents ? { document: { text: texts[index] } } : {}),
      })),
      usage: { prompt_tokens: r.promptTokens, total_tokens: r.promptTokens },
    };
  });
}
