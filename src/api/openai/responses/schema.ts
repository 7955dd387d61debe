import { z } from "zod";

/**
 * OpenAI's Responses API request (POST /v1/responses), the parts an open-weight model can honour:
 * text and function-call items in, messages, reasoning and function calls out. Objects are not
 * strict (SDKs send extras); fields that would change the answer and cannot be honoured are
 * refused in translate.ts.
 */

const inputText = z.object({ type: z.literal("input_text"), text: z.string() });
const outputText = z.object({ type: z.literal("output_text"), text: z.string() });
const part = z.discriminatedUnion("type", [
  inputText,
  outputText,
  z.object({ type: z.literal("refusal"), refusal: z.string() }),
  z.object({ type: z.literal("input_image") }),
  z.object({ type: z.literal("input_file") }),
  z.object({ type: z.literal("input_audio") }),
]);
export type InputPart = z.infer<typeof part>;

const message = z.object({
  type: z.literal("message").optional(),
  role: z.enum(["user", "assistant", "system", "developer"], { error: 'must be "user", "assistant", "system" or "developer"' }),
  content: z.union([z.string(), z.array(part)], { error: "must be a string or an array of content parts" }),
});
const functionCall = z.object({
  type: z.literal("function_call"),
  call_id: z.string().min(1),
  name: z.string().min(1),
  arguments: z.string(),
});
const functionCallOutput = z.object({
  type: z.literal("function_call_output"),
  call_id: z.string().min(1),
  output: z.union([z.string(), z.array(part)]),
});
/** Reasoning items of an earlier answer, sent back by clients: the model does not see them again. */
const reasoning = z.object({ type: z.literal("reasoning") });
const itemReference = z.object({ type: z.literal("item_reference"), id: z.string() });

export const inputItem = z.union([message, functionCall, functionCallOutput, reasoning, itemReference], {
  error: "must be a message, function_call, function_call_output or reasoning item",
});
export type InputItem = z.infer<typeof inputItem>;

const functionTool = z.object({
  type: z.literal("function"),
  name: z.string().min(1).max(64).regex(/^[a-zA-Z0-9_-]+$/, "letters, digits, _ and - only"),
  description: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  strict: z.boolean().nullish(),
});
const tool = z.union([functionTool, z.object({ type: z.string() })]);

const format = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }),
  z.object({ type: z.literal("json_object") }),
  z.object({
    type: z.literal("json_schema"),
    name: z.string().min(1).max(64),
    schema: z.record(z.string(), z.unknown()),
    description: z.string().nullish(),
    strict: z.boolean().nullish(),
  }),
]);

export const responseRequest = z.object({
  model: z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters"),
  input: z.union([z.string(), z.array(inputItem)], { error: "must be a string or an array of input items" }),
  instructions: z.string().nullish(),
  previous_response_id: z.string().nullish(),
  store: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  max_output_tokens: z.int().positive().nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  tools: z.array(tool).nullish(),
  tool_choice: z.union([
    z.enum(["auto", "none", "required"]),
    z.object({ type: z.literal("function"), name: z.string() }),
  ], { error: 'must be "auto", "none", "required" or {"type": "function", "name": …}' }).nullish(),
  parallel_tool_calls: z.boolean().nullish(),
  text: z.object({ format: format.nullish() }).nullish(),
  reasoning: z.object({ effort: z.string().nullish(), summary: z.string().nullish() }).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
  truncation: z.enum(["auto", "disabled"]).nullish(),
  background: z.boolean().nullish(),
  conversation: z.unknown().optional(),
  prompt: z.unknown().optional(),
  top_logprobs: z.int().min(0).max(20).nullish(),
  include: z.array(z.string()).nullish(),
});
export type ResponseRequest = z.infer<typeof responseRequest>;
