import { invalid } from "../../errors.ts";
import type { ChatMessage, ToolChoice, ToolDefinition } from "../../runtime/types.ts";
import { checkJsonSchema } from "../openai/jsonSchema.ts";
import { type ChatPlan, checkToolChoice } from "../openai/translate.ts";
import type { MessagesRequest, WireMessage } from "./schema.ts";

/**
 * An Anthropic Messages request → the chat plan /v1/chat/completions runs: the same backends,
 * tool grammars, limits and prompt caching, whatever the client speaks.
 */
export function messagesPlan(req: MessagesRequest): ChatPlan {
  if (req.container != null) throw invalid("containers (code execution) are not supported", "container");
  if (req.mcp_servers != null) throw invalid("MCP servers are not supported: give the tools as tools", "mcp_servers");
  const tools = toolsOf(req);
  const system = typeof req.system === "string" ? req.system : req.system?.map((b) => b.text).join("\n");
  const messages: ChatMessage[] = [...(system ? [{ role: "system" as const, content: system }] : []), ...req.messages.flatMap(chatMessages)];
  const choice = req.tool_choice;
  const parallel = choice && choice.type !== "none" && choice.disable_parallel_tool_use ? false : undefined;
  return {
    model: req.model, maxTokensParam: "max_tokens", n: 1, stream: req.stream ?? false, includeUsage: false, messages,
    opts: {
      maxTokens: req.max_tokens, temperature: req.temperature ?? undefined, topP: req.top_p ?? undefined, topK: req.top_k ?? undefined,
      stop: req.stop_sequences?.length ? req.stop_sequences : undefined, user: req.metadata?.user_id ?? undefined,
      ...(tools?.length ? { tools } : {}),
      toolChoice: toolChoice(req, tools),
      ...(parallel !== undefined && tools?.length ? { parallelToolCalls: parallel } : {}),
    },
  };
}

export function toolsOf(req: Pick<MessagesRequest, "tools">): ToolDefinition[] | undefined {
  return req.tools?.map((t, i): ToolDefinition => {
    if (!("input_schema" in t)) throw invalid(`tools of type "${t.type}" are not supported: only custom tools (name, description, input_schema)`, `tools.${i}.type`);
    checkJsonSchema(t.input_schema, `tools.${i}.input_schema`);
    return { name: t.name, description: t.description ?? undefined, parameters: t.input_schema, strict: t.strict ?? undefined };
  });
}

function toolChoice(req: MessagesRequest, tools: ToolDefinition[] | undefined): ToolChoice | undefined {
  const c = req.tool_choice;
  const choice: ToolChoice | undefined = !c ? undefined : c.type === "any" ? "required" : c.type === "tool" ? { name: c.name } : c.type;
  return checkToolChoice(choice, tools, "tool_choice.name");
}

/**
 * One Anthropic message → chat messages: an assistant turn's text and tool_use blocks become one
 * assistant message with calls; a user turn's tool_result blocks become tool messages (in their
 * order), its text a user message. Earlier thinking is dropped, as chat templates drop it.
 */
export function chatMessages(m: WireMessage, i: number): ChatMessage[] {
  if (typeof m.content === "string") return [{ role: m.role, content: m.content }];
  const at = (j: number) => `messages.${i}.content.${j}`;
  if (m.role === "assistant") {
    let content = "";
    const toolCalls: NonNullable<ChatMessage["toolCalls"]> = [];
    m.content.forEach((b, j) => {
      if (b.type === "text") content += b.text;
      else if (b.type === "tool_use") toolCalls.push({ id: b.id, name: b.name, arguments: JSON.stringify(b.input ?? {}) });
      else if (b.type !== "thinking" && b.type !== "redacted_thinking") unsupported(b, at(j));
    });
    return [{ role: "assistant", content, ...(toolCalls.length ? { toolCalls } : {}) }];
  }
  const out: ChatMessage[] = [];
  let text: string[] = [];
  const flush = () => {
    if (text.length) out.push({ role: "user", content: text.join("\n") });
    text = [];
  };
  m.content.forEach((b, j) => {
    if (b.type === "text") text.push(b.text);
    else if (b.type === "tool_result") {
      flush();
      const body = b.content === undefined ? "" : typeof b.content === "string" ? b.content
        : b.content.map((c, k) => ("text" in c && c.type === "text" ? c.text : unsupported(c, `${at(j)}.content.${k}`))).join("\n");
      out.push({ role: "tool", toolCallId: b.tool_use_id, content: b.is_error ? `Error: ${body}` : body });
    } else unsupported(b, at(j));
  });
  flush();
  return out;
}

function unsupported(b: { type: string }, param: string): never {
  const what = b.type === "image" ? "images" : b.type === "document" ? "documents" : `"${b.type}" blocks`;
  throw invalid(`this model does not accept ${what}`, param);
}
