import { z } from "zod";

/**
 * Anthropic's Messages API request (POST /v1/messages), as Claude Code and the Anthropic SDKs
 * send it. Objects are not strict (clients send extras such as `cache_control`); blocks and
 * fields that would change the answer and cannot be honoured are refused in translate.ts.
 */

const text = z.object({ type: z.literal("text"), text: z.string() });
const toolResultContent = z.union([z.string(), z.array(z.union([text, z.object({ type: z.string() })]))]);
const block = z.discriminatedUnion("type", [
  text,
  z.object({ type: z.literal("image") }),
  z.object({ type: z.literal("document") }),
  z.object({ type: z.literal("thinking"), thinking: z.string() }),
  z.object({ type: z.literal("redacted_thinking") }),
  z.object({ type: z.literal("tool_use"), id: z.string().min(1), name: z.string().min(1), input: z.unknown() }),
  z.object({ type: z.literal("tool_result"), tool_use_id: z.string().min(1), content: toolResultContent.optional(), is_error: z.boolean().nullish() }),
  z.object({ type: z.literal("server_tool_use") }),
  z.object({ type: z.literal("search_result") }),
]);
export type Block = z.infer<typeof block>;

const message = z.object({
  role: z.enum(["user", "assistant"], { error: 'must be "user" or "assistant"' }),
  content: z.union([z.string(), z.array(block)], { error: "must be a string or an array of content blocks" }),
});
export type WireMessage = z.infer<typeof message>;

const customTool = z.object({
  type: z.literal("custom").optional(),
  name: z.string().min(1).max(128).regex(/^[a-zA-Z0-9_-]+$/, "letters, digits, _ and - only"),
  description: z.string().nullish(),
  input_schema: z.record(z.string(), z.unknown()),
  /** Inputs that always validate (Anthropic's structured outputs); local models then refuse what a grammar cannot enforce. */
  strict: z.boolean().nullish(),
});
/** Anthropic's own server and client tools (web search, bash, text editor…) have a versioned type. */
const builtinTool = z.object({ type: z.string(), name: z.string().optional() });

export const messagesRequest = z.object({
  model: z.string().min(1).max(256).regex(/^[^\u0000-\u001f\u007f]*$/, "must not contain control characters"),
  max_tokens: z.int({ error: "must be given: the most tokens the answer may take" }).positive(),
  messages: z.array(message).min(1, "messages must hold at least one message"),
  system: z.union([z.string(), z.array(text)], { error: "must be a string or an array of text blocks" }).nullish(),
  temperature: z.number().min(0).max(1).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  stop_sequences: z.array(z.string().min(1)).max(16).nullish(),
  stream: z.boolean().nullish(),
  tools: z.array(z.union([customTool, builtinTool])).nullish(),
  tool_choice: z.discriminatedUnion("type", [
    z.object({ type: z.literal("auto"), disable_parallel_tool_use: z.boolean().nullish() }),
    z.object({ type: z.literal("any"), disable_parallel_tool_use: z.boolean().nullish() }),
    z.object({ type: z.literal("tool"), name: z.string(), disable_parallel_tool_use: z.boolean().nullish() }),
    z.object({ type: z.literal("none") }),
  ]).nullish(),
  thinking: z.object({ type: z.enum(["enabled", "disabled"]), budget_tokens: z.int().nullish() }).nullish(),
  metadata: z.object({ user_id: z.string().nullish() }).nullish(),
  service_tier: z.string().nullish(),
  container: z.unknown().optional(),
  mcp_servers: z.unknown().optional(),
});
export type MessagesRequest = z.infer<typeof messagesRequest>;

/** POST /v1/messages/count_tokens: the same conversation, without the generation settings. */
export const countTokensRequest = messagesRequest.pick({ model: true, messages: true, system: true, tools: true, tool_choice: true, thinking: true })
  .extend({ max_tokens: z.int().positive().nullish() });
