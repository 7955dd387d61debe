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
}

export async function listModels(): Promise<ModelInfo[]> {
  return (await api<{ models: ModelInfo[] }>("GET", "/models")).models;
}
