/** The models the server offers (local and upstream), for model pickers. */
import { api } from "./api.ts";

export interface ModelInfo {
  name: string;
  kind: "local" | "upstream";
  sizeBytes?: number;
  family?: string;
  quantization?: string;
  parameterCount?: number;
  contextLength?: number;
  /** A reranker (/v1/rerank): not offered for chat. */
  reranker?: true;
  /** What the model's own preset (Modelfile) sets: blank settings fall back to these. */
  defaults?: { system?: string; temperature?: number; maxTokens?: number; draftModel?: string };
}

export async function listModels(): Promise<ModelInfo[]> {
  return (await api<{ models: ModelInfo[] }>("GET", "/models")).models;
}
