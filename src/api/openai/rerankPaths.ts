/**
 * Where clients ask for a ranking (src/api/openai/rerank.ts): Jina's and Cohere's v1 path,
 * llama-server's others, and Cohere's v2 API. Its own module: the lazily loaded route set
 * declares these at start without importing the route's code (src/api/routeSets.ts).
 */
export const RERANK_PATHS = ["/v1/rerank", "/v1/reranking", "/rerank", "/reranking", "/v2/rerank"] as const;
