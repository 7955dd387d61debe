import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse } from "node-llama-cpp";
import { invalid } from "../errors.ts";
import type { ChatMessage, ToolChoice, ToolDefinition } from "./types.ts";
import { grammarSchema } from "./grammarSchema.ts";

/**
 * Translates OpenAI-style messages into node-llama-cpp's chat history. An assistant turn with
 * tool calls, the tool results answering them (matched by id) and a following assistant turn
 * form one model response, as node-llama-cpp renders them. A history that ends with a model
 * response (after tool results, or a prefill) is continued rather than answered anew.
 */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const calls = new Map<string, ChatModelFunctionCall>();
  const lastModel = (): ChatModelResponse | undefined => {
    const last = history.at(-1);
    return last?.type === "model" ? last : undefined;
  };
  for (const [i, m] of messages.entries()) {
    switch (m.role) {
      case "system":
        history.push({ type: "system", text: m.content });
        break;
      case "user":
        history.push({ type: "user", text: m.content });
        break;
      case "assistant": {
        // Continue the model response only when it was interrupted by tool results.
        const prev = lastModel();
        const afterTools = prev !== undefined && messages[i - 1]?.role === "tool";
        const item: ChatModelResponse = afterTools ? prev : { type: "model", response: [] };
        if (m.content) item.response.push(m.content);
        for (const c of m.toolCalls ?? []) {
          const call: ChatModelFunctionCall = { type: "functionCall", name: c.name, params: parseArguments(c.arguments, i), result: undefined };
          calls.set(c.id, call);
          item.response.push(call);
        }
        if (!afterTools) history.push(item);
        break;
      }
      case "tool": {
        const call = m.toolCallId === undefined ? undefined : calls.get(m.toolCallId);
        if (!call || !lastModel()) throw invalid(`messages[${i}]: tool result answers no tool call of the preceding assistant message (toolCallId ${m.toolCallId ?? "missing"})`, "messages");
        call.result = parseResult(m.content);
        break;
      }
    }
  }
  if (history.at(-1)?.type !== "model") history.push({ type: "model", response: [] });
  return history;
}

/** Tools the model may call under this tool choice; undefined = no function calling. */
export function toFunctions(tools: ToolDefinition[] | undefined, choice: ToolChoice | undefined): ChatModelFunctions | undefined {
  if (!tools?.length || choice === "none") return undefined;
  const picked = typeof choice === "object" ? tools.filter((t) => t.name === choice.name) : tools;
  if (typeof choice === "object" && picked.length === 0) throw invalid(`toolChoice names ${choice.name}, which is not among the tools`, "toolChoice");
  const functions: Record<string, { description?: string; params?: never }> = {};
  for (const t of picked) {
    // Only strict tools promise arguments that validate; the others get what the grammar can enforce.
    const params = t.parameters ? grammarSchema(t.parameters, "tools", { lenient: t.strict !== true }) : undefined;
    functions[t.name] = { description: t.description, params: params as never };
  }
  return functions;
}

function parseArguments(text: string, i: number): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(`messages[${i}]: tool call arguments are not JSON`, "messages");
  }
}

/** Tool results are usually JSON text; keep them structured when they are. */
function parseResult(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
