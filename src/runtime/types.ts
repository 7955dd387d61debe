/**
 * The internal request and result types of text generation. api/openai and api/ollama translate
 * their wire shapes into these once; the gateway hands them to a backend (local runtime or an
 * upstream engine). Nothing here knows about HTTP.
 */
import type { InfillExtras } from "./infill.ts";

export type Role = "system" | "user" | "assistant" | "tool";

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text of the arguments, as OpenAI sends it. */
  arguments: string;
}

export interface ChatMessage {
  role: Role;
  content: string;
  /** Assistant turns that called tools. */
  toolCalls?: ToolCall[];
  /** Tool results answer a call by id. */
  toolCallId?: string;
  name?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON schema of the arguments. */
  parameters?: Record<string, unknown>;
  /** OpenAI's strict function calling; local models always enforce the schema by grammar. */
  strict?: boolean;
}

export type ToolChoice = "auto" | "none" | "required" | { name: string };

export type OutputFormat =
  | { type: "text" }
  | { type: "json_object" }
  /** `name` and `strict` as the client gave them, for upstreams; local models enforce the schema by grammar either way. */
  | {
    type: "json_schema"; schema: Record<string, unknown>; name?: string; strict?: boolean;
    /** Drop value constraints the grammar cannot enforce instead of refusing them (forced calls of non-strict tools). */
    lenient?: boolean;
  }
  | { type: "gbnf"; grammar: string };

export interface SamplingOptions {
  maxTokens?: number;
  /**
   * The budget came as OpenAI's `max_completion_tokens` (not `max_tokens`): an OpenAI-compatible
   * upstream gets the same field, since OpenAI's reasoning models refuse `max_tokens` and some
   * engines know only that one.
   */
  maxTokensIsCompletionBudget?: boolean;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  seed?: number;
  stop?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  repeatPenalty?: number;
  /** token id → bias added to its logit (-100 bans it). */
  logitBias?: Record<number, number>;
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[];
  top: { token: string; logprob: number; bytes: number[] }[];
}

/** One streamed piece of an answer. */
/**
 * A piece of a tool call as an upstream streams it: the first piece of a call has its id and
 * name, later ones more of its arguments. `index` counts the answer's calls from 0.
 */
export interface ToolCallPart {
  index: number;
  id?: string;
  name?: string;
  arguments?: string;
}

export interface Delta {
  text?: string;
  /** Reasoning models' thinking, kept apart from the answer. */
  reasoning?: string;
  /** Whole calls. A backend that streamed them as `toolCallParts` sends them whole too, once finished. */
  toolCalls?: ToolCall[];
  toolCallParts?: ToolCallPart[];
  logprobs?: TokenLogprob[];
  /** The prompt's length in tokens, sent once before the answer by local chats (Anthropic's message_start reports it). */
  promptTokens?: number;
  /** Sent once, before the answer, by a completion whose prompt came as token ids (its text) or was scored. */
  prompt?: { text?: string; logprobs?: PromptLogprob[] };
}

export interface GenerateOptions extends SamplingOptions {
  format?: OutputFormat;
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  /** false: at most one tool call per answer. */
  parallelToolCalls?: boolean;
  /** The end user a request is for (OpenAI's `user`), passed on to upstreams for their abuse monitoring. */
  user?: string;
  /** Return log-probabilities with this many alternatives per token (0 = chosen token only). */
  logprobs?: number;
  /** How long the model stays loaded after this request: ms, 0 = unload now, -1 = forever. */
  keepAliveMs?: number;
  /**
   * Tokens per sequence this request needs (Ollama's num_ctx; local models only). More than the
   * model usually runs with loads an instance with that context (see ModelPool); less changes nothing.
   */
  contextSize?: number;
  /**
   * Who the request is for (API key, web user; "open" on a keyless server). Chats of the same
   * scope may reuse each other's cached prompt tokens (runtime/promptCache.ts); never across scopes.
   */
  cacheScope?: string;
  signal?: AbortSignal;
  onDelta?: (delta: Delta) => void;
  /** LoRA adapters applied on top of the local model's weights (local runtime only). */
  lora?: { path: string; scale?: number }[];
  /**
   * Also score the prompt: each of its tokens' log-probability after those before it, with
   * `logprobs` alternatives (OpenAI's `echo` with `logprobs`; local models). A completion with
   * maxTokens 0 then only scores.
   */
  promptLogprobs?: boolean;
  /**
   * Fill in the middle (completions only): the text after the insertion point, the prompt being
   * the text before it. The model writes what goes between (code completion in an editor).
   */
  suffix?: string;
  /** With `suffix`, llama.cpp /infill's extras: the cursor line, other files' snippets (runtime/infill.ts). */
  infill?: InfillExtras;
  /**
   * Completions (local models): called with the answer so far after each piece; a number ends the
   * generation there, the answer cut to that length (llama-server's /infill limits, api/llamacpp).
   */
  endAt?: (text: string) => number | undefined;
  /** A completion with maxTokens 0: evaluate the prompt anyway, for the caller's next request to reuse (local models). */
  prefill?: boolean;
  /** Return the prompt and answer as token ids (`GenerateResult.context`, Ollama's deprecated generate `context`; local models). */
  returnContext?: boolean;
  /**
   * Text (or token ids) the answer is expected to mostly repeat (OpenAI's Predicted Outputs; local
   * models), evaluated ahead as a draft the model checks in batches (runtime/prediction.ts).
   * Changes the speed, not which tokens are chosen.
   */
  prediction?: string | number[];
  /**
   * Speculative decoding (local models): a smaller model with the same vocabulary drafts the next
   * tokens, which this one checks in one batch (runtime/draft.ts). Changes the speed, not which
   * tokens are chosen. Named here; the gateway resolves the name to `draft`.
   */
  draftModel?: string;
  /** Most tokens drafted at a time (default 16; the runtime learns the best length up to it). */
  draftMax?: number;
  /** A drafted token below this probability under the draft ends the draft (default 0, as llama-server's --spec-draft-p-min). */
  draftPMin?: number;
  /** The draft model, resolved (set by the gateway from draftModel). */
  draft?: LocalModelRef;
}

/** A completion's prompt: text, or token ids of the model's own vocabulary (OpenAI's token-array prompts). */
export type Prompt = string | number[];

/** A prompt token's log-probability; the first token has none. */
export type PromptLogprob = Omit<TokenLogprob, "logprob"> & { logprob: number | null };

/** content_filter comes only from upstreams that filter. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "cancelled";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** Of promptTokens, those a local chat found already evaluated (runtime/promptCache.ts). */
  cachedPromptTokens?: number;
  /** With a prediction: its tokens the answer kept, and those evaluated as a draft and thrown away. */
  acceptedPredictionTokens?: number;
  rejectedPredictionTokens?: number;
  /** With a draft model: tokens it drafted, and of those the ones the answer kept (not counted in completionTokens). */
  draftTokens?: number;
  acceptedDraftTokens?: number;
}

export interface Timings {
  /** Waiting for a free sequence. */
  queueMs: number;
  /** Load (when the model was not in memory). */
  loadMs: number;
  /** From start of prompt evaluation to the first generated token. */
  firstTokenMs: number;
  totalMs: number;
}

export interface GenerateResult {
  text: string;
  reasoning?: string;
  toolCalls?: ToolCall[];
  finishReason: FinishReason;
  usage: Usage;
  timings: Timings;
  logprobs?: TokenLogprob[];
  /** The scored prompt (GenerateOptions.promptLogprobs), token by token. */
  promptLogprobs?: PromptLogprob[];
  /** The prompt as text, when it came as token ids (for echo). */
  promptText?: string;
  /** The stop string that ended the answer, when one did (local models; Anthropic's `stop_sequence`). */
  stopSequence?: string;
  /** With `returnContext`: the prompt and the answer as token ids, to send back as the next prompt's start. */
  context?: number[];
}

export interface EmbedOptions {
  /** Cut inputs longer than the context to fit (Ollama's `truncate`, on by default there) instead of refusing them. */
  truncate?: boolean;
}

/** Relevance of each document to the query, in the documents' order: probabilities from 0 to 1. */
export interface RerankResult {
  scores: number[];
  /** Tokens evaluated: each query–document pair as the model scores it. */
  promptTokens: number;
}

export interface EmbedResult {
  embeddings: number[][];
  promptTokens: number;
}

/** Where a model's weights live: resolved by the caller from the model store. */
export interface LocalModelRef {
  name: string;
  path: string;
  /** The file's size when it was registered: a load failure on a file of another size says it was truncated or replaced. */
  sizeBytes?: number | null;
}
