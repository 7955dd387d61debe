import { z } from "zod";

/**
 * The OpenAI wire shapes we accept, in one place. Objects are not strict: SDKs send extras we can
 * ignore; the extras that would change the meaning of a request are refused in translate.ts.
 * `nullish` because SDKs and proxies send `null` for "not set".
 */

const penalty = z.number().min(-2).max(2).nullish();
/** No name holds control characters; refusing them here keeps them away from the database. */
export const modelName = z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters");

/** Sampling fields shared by /v1/chat/completions and /v1/completions. */
const sampling = {
  model: modelName,
  max_tokens: z.int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  seed: z.int().nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)], { error: "must be a string or an array of up to 4 strings" }).nullish(),
  presence_penalty: penalty,
  frequency_penalty: penalty,
  repeat_penalty: z.number().min(0).nullish(),
  logit_bias: z.record(z.string().regex(/^\d+$/, "keys must be token ids"), z.number().min(-100).max(100)).nullish(),
  n: z.int().min(1).max(8).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).nullish(),
  user: z.string().nullish(),
  /** Speculative decoding (local models): a smaller model of the same vocabulary drafts (LM Studio's field name). */
  draft_model: modelName.nullish(),
  draft_max: z.int().min(1).max(64).nullish(),
  draft_p_min: z.number().min(0).max(1).nullish(),
};

const textPart = z.object({ type: z.literal("text"), text: z.string() });
const contentPart = z.discriminatedUnion("type", [
  textPart,
  z.object({ type: z.literal("image_url"), image_url: z.unknown() }),
  z.object({ type: z.literal("input_audio"), input_audio: z.unknown() }),
  z.object({ type: z.literal("file"), file: z.unknown() }),
  z.object({ type: z.literal("refusal"), refusal: z.string() }),
]);
export type ContentPart = z.infer<typeof contentPart>;
const content = z.union([z.string(), z.array(contentPart).min(1)], {
  error: (i) => (Array.isArray(i.input) ? undefined : "must be a string or an array of content parts"),
});

const toolCall = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const message = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content, name: z.string().nullish() }),
  z.object({ role: z.literal("developer"), content, name: z.string().nullish() }),
  z.object({ role: z.literal("user"), content, name: z.string().nullish() }),
  z.object({
    role: z.literal("assistant"),
    content: content.nullish(),
    name: z.string().nullish(),
    tool_calls: z.array(toolCall).nullish(),
    reasoning_content: z.string().nullish(),
    refusal: z.string().nullish(),
  }),
  z.object({ role: z.literal("tool"), content, tool_call_id: z.string() }),
]);
export type WireMessage = z.infer<typeof message>;

const tool = z.object({
  type: z.literal("function"),
  function: z.object({
    name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
    strict: z.boolean().nullish(),
  }),
});

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }) }),
]);

const responseFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    json_schema: z.object({
      name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
      description: z.string().nullish(),
      schema: z.record(z.string(), z.unknown()).nullish(),
      strict: z.boolean().nullish(),
    }),
  }),
]);

export const chatRequest = z.object({
  ...sampling,
  messages: z.array(message).min(1),
  max_completion_tokens: z.int().positive().nullish(),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  response_format: responseFormat.nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: toolChoice.nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  prediction: z.object({ type: z.literal("content"), content: z.union([z.string(), z.array(textPart).min(1)]) }).nullish(),
});
export type ChatRequest = z.infer<typeof chatRequest>;

export const completionRequest = z.object({
  ...sampling,
  prompt: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.int()).min(1),
    z.array(z.array(z.int())).min(1),
  ], { error: "must be a string, an array of strings, or token arrays" }),
  /** 0 is allowed here, with echo: the prompt only echoed (and scored, with logprobs), as OpenAI's legacy completions allow. */
  max_tokens: z.int().min(0).nullish(),
  echo: z.boolean().nullish(),
  suffix: z.string().nullish(),
  logprobs: z.int().min(0).max(5).nullish(),
  best_of: z.int().min(1).nullish(),
});
export type CompletionRequest = z.infer<typeof completionRequest>;

export const embeddingRequest = z.object({
  model: modelName,
  input: z.union([
    z.string(),
    z.array(z.string()).min(1),
    z.array(z.int()).min(1),
    z.array(z.array(z.int())).min(1),
  ], { error: "must be a string, an array of strings, or token arrays" }),
  encoding_format: z.enum(["float", "base64"]).nullish(),
  dimensions: z.int().positive().nullish(),
  user: z.string().nullish(),
});
export type EmbeddingRequest = z.infer<typeof embeddingRequest>;

/** Fields that would change what the client gets back, which we cannot honour: refused, not ignored. */
export const UNSUPPORTED: Record<string, string> = {
  audio: "audio output is not supported",
  functions: "`functions` is deprecated and not supported: use `tools`",
  function_call: "`function_call` is deprecated and not supported: use `tool_choice`",
  web_search_options: "web search is not supported",
};
