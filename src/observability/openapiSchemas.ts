import { z } from "zod";
import * as admin from "../api/admin/routes.ts";
import * as completion from "../api/llamacpp/completion.ts";
import * as infill from "../api/llamacpp/infill.ts";
import * as llamaTokens from "../api/llamacpp/tokens.ts";
import * as rerank from "../api/openai/rerank.ts";
import { RERANK_PATHS } from "../api/openai/rerankPaths.ts";
import * as ollama from "../api/ollama/wire.ts";
import * as openai from "../api/openai/schemas.ts";

/**
 * Request bodies of Freehold's routes as JSON Schema (OpenAPI 3.1 uses JSON Schema 2020-12),
 * generated from the same zod schemas that validate them. Looked up by export name, so a
 * renamed or missing schema leaves its route documented without a body instead of breaking.
 */
const BODIES: Record<string, [module: Record<string, unknown>, exportName: string, component: string]> = {
  "POST /v1/chat/completions": [openai, "chatRequest", "ChatCompletionRequest"],
  "POST /v1/completions": [openai, "completionRequest", "CompletionRequest"],
  "POST /v1/embeddings": [openai, "embeddingRequest", "EmbeddingRequest"],
  "POST /api/chat": [ollama, "chatSchema", "OllamaChatRequest"],
  "POST /api/generate": [ollama, "generateSchema", "OllamaGenerateRequest"],
  "POST /api/embed": [ollama, "embedSchema", "OllamaEmbedRequest"],
  "POST /api/embeddings": [ollama, "embeddingsSchema", "OllamaEmbeddingsRequest"],
  "POST /api/show": [ollama, "showSchema", "OllamaShowRequest"],
  "DELETE /api/delete": [ollama, "deleteSchema", "OllamaDeleteRequest"],
  "POST /api/copy": [ollama, "copySchema", "OllamaCopyRequest"],
  "POST /api/pull": [ollama, "pullSchema", "OllamaPullRequest"],
  ...Object.fromEntries(RERANK_PATHS.map((path) => [`POST ${path}`, [rerank, "rerankRequest", "RerankRequest"]])),
  // llama-server's paths take no model when there is one reranker; its /rerank also TEI's shape.
  "POST /reranking": [rerank, "rerankRequestAnyModel", "LlamaServerRerankRequest"],
  "POST /v1/reranking": [rerank, "rerankRequestAnyModel", "LlamaServerRerankRequest"],
  "POST /rerank": [rerank, "rerankOrTeiRequest", "RerankOrTeiRequest"],
  "POST /infill": [infill, "infillRequest", "InfillRequest"],
  "POST /completion": [completion, "completionRequest", "LlamaCppCompletionRequest"],
  "POST /tokenize": [llamaTokens, "tokenizeRequest", "TokenizeRequest"],
  "POST /detokenize": [llamaTokens, "detokenizeRequest", "DetokenizeRequest"],
  "POST /apply-template": [llamaTokens, "applyTemplateRequest", "ApplyTemplateRequest"],
  "POST /v1/keys": [admin, "NewKey", "NewApiKey"],
  "POST /v1/upstreams": [admin, "NewUpstream", "NewUpstream"],
};

type Json = Record<string, unknown>;

export interface BodySchemas { byRoute: Record<string, string>; components: Record<string, Json> }

/** The component name of a route's body schema, adding it (and its $defs) to `components`. */
export function bodySchema(key: string, components: Record<string, Json>): string | undefined {
  const entry = BODIES[key];
  if (!entry) return undefined;
  const [mod, exportName, component] = entry;
  if (components[component]) return component;
  const schema = mod[exportName];
  if (!(schema instanceof z.ZodType)) return undefined;
  let json: Json;
  try {
    json = z.toJSONSchema(schema, { target: "draft-2020-12", io: "input", unrepresentable: "any" }) as Json;
  } catch {
    return undefined;
  }
  // Recursive schemas come with local $defs; in the document they live beside the others.
  const { $schema: _s, $defs, ...rest } = json;
  const rename = (name: string) => `${component}_${name}`;
  const rewrite = (v: Json): Json =>
    JSON.parse(JSON.stringify(v).replace(/"#\/\$defs\/([^"]+)"/g, (_m, n: string) => `"#/components/schemas/${rename(n)}"`));
  for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, Json>)) components[rename(name)] = rewrite(def);
  components[component] = rewrite(rest);
  return component;
}

/** Body schemas of the routes named by `keys` ("METHOD /url"): each route's component, and the components. */
export function bodySchemas(keys: readonly string[]): BodySchemas {
  const components: Record<string, Json> = {};
  const byRoute: Record<string, string> = {};
  for (const key of keys) {
    const component = bodySchema(key, components);
    if (component) byRoute[key] = component;
  }
  return { byRoute, components };
}
