import type { ChatMessage, EmbedOptions, EmbedResult, GenerateOptions, GenerateResult, Prompt, RerankResult } from "../runtime/types.ts";

/** Something that can answer for one model: the local runtime or an upstream engine. */
export interface Backend {
  readonly kind: "local" | "upstream";
  chat(messages: ChatMessage[], opts: GenerateOptions): Promise<GenerateResult>;
  complete(prompt: Prompt, opts: GenerateOptions): Promise<GenerateResult>;
  /** Upstreams enforce their own input limits: `truncate` applies to local models. */
  /** Text, or token ids of the model's vocabulary. */
  embed(inputs: Prompt[], opts?: EmbedOptions): Promise<EmbedResult>;
  /** Relevance of each document to the query (reranker models; upstreams through their /rerank). */
  rerank(query: string, documents: string[], opts?: { signal?: AbortSignal }): Promise<RerankResult>;
  /** Context window in tokens, when known (upstreams may not say). */
  contextSize(): Promise<number | undefined>;
  countTokens?(text: string): Promise<number>;
  /** A conversation's prompt tokens through the chat template (local models). */
  countChatTokens?(messages: ChatMessage[], opts: Pick<GenerateOptions, "tools" | "toolChoice">): Promise<number>;
  /** Messages through the chat template as token ids without BOS, to follow earlier tokens (local models). */
  continuationTokens?(messages: ChatMessage[]): Promise<number[]>;
}

export interface ModelSummary {
  name: string;
  kind: "local" | "upstream";
  createdAt: Date;
  sizeBytes?: number;
  family?: string;
  quantization?: string;
  parameterCount?: number;
  contextLength?: number;
  /** A reranker (/v1/rerank), not a chat model: left out of arena draws and the chat's model menu. */
  reranker?: true;
  /** What a local model's preset (Modelfile) sets, for the web app's settings to show as defaults. */
  defaults?: { system?: string; temperature?: number; maxTokens?: number; draftModel?: string };
}
