import { invalid } from "../../errors.ts";
import { argumentsObject } from "../answerParts.ts";
import type { ChatMessage, OutputFormat, SamplingOptions, ToolCall, ToolDefinition } from "../../runtime/types.ts";
import type { WireMessage, WireOptions, WireTool } from "./wire.ts";

/**
 * Ollama wire shapes → internal types, once. Nothing below api/ sees an Ollama field name.
 */

/** options → sampling. num_predict -1 and -2 both mean "until the context is full". */
export function samplingFrom(o: WireOptions | null | undefined): SamplingOptions {
  if (!o) return {};
  const out: SamplingOptions = {};
  const set = <K extends keyof SamplingOptions>(k: K, v: SamplingOptions[K] | null | undefined) => {
    if (v !== null && v !== undefined) out[k] = v;
  };
  set("temperature", o.temperature);
  set("topP", o.top_p);
  set("topK", o.top_k);
  set("minP", o.min_p);
  set("seed", o.seed);
  if (o.num_predict !== null && o.num_predict !== undefined && o.num_predict > 0) out.maxTokens = o.num_predict;
  if (o.stop !== null && o.stop !== undefined) out.stop = typeof o.stop === "string" ? [o.stop] : o.stop;
  set("presencePenalty", o.presence_penalty);
  set("frequencyPenalty", o.frequency_penalty);
  set("repeatPenalty", o.repeat_penalty);
  return out;
}

/** format: "json" → any JSON object; a schema object → grammar-constrained output. */
export function formatFrom(f: string | Record<string, unknown> | null | undefined): OutputFormat | undefined {
  if (f === null || f === undefined || f === "") return undefined;
  if (typeof f === "string") {
    if (f === "json") return { type: "json_object" };
    throw invalid(`format: "${f}" is not supported: use "json" or a JSON schema object`, "format");
  }
  return { type: "json_schema", schema: f };
}

export function toolsFrom(tools: WireTool[] | null | undefined): ToolDefinition[] | undefined {
  if (!tools?.length) return undefined;
  return tools.map((t) => ({
    name: t.function.name,
    ...(t.function.description ? { description: t.function.description } : {}),
    ...(t.function.parameters ? { parameters: t.function.parameters } : {}),
  }));
}

export function rejectImages(model: string, images: string[] | null | undefined) {
  if (images?.length) throw invalid(`model "${model}" does not accept images (it has no vision projector)`, "images");
}

/**
 * Ollama messages carry no call ids: calls get ids here, and a "tool" message answers the oldest
 * open call with its tool_name (or simply the oldest open call).
 */
export function messagesFrom(model: string, messages: WireMessage[]): ChatMessage[] {
  let open: ToolCall[] = [];
  return messages.map((m, i) => {
    rejectImages(model, m.images);
    const content = m.content ?? "";
    if (m.role === "assistant" && m.tool_calls?.length) {
      const toolCalls = m.tool_calls.map((c, j) => ({
        id: c.id || `call_${i}_${j}`,
        name: c.function.name,
        arguments: typeof c.function.arguments === "string" ? c.function.arguments : JSON.stringify(c.function.arguments ?? {}),
      }));
      open = [...toolCalls];
      return { role: "assistant", content, toolCalls };
    }
    if (m.role === "tool") {
      const byId = m.tool_call_id ? open.find((c) => c.id === m.tool_call_id) : undefined;
      const answered = byId ?? open.find((c) => c.name === m.tool_name) ?? open[0];
      open = open.filter((c) => c !== answered);
      const name = m.tool_name ?? answered?.name;
      return {
        role: "tool", content,
        toolCallId: m.tool_call_id ?? answered?.id ?? `call_${i}`,
        ...(name ? { name } : {}),
      };
    }
    return { role: m.role, content };
  });
}

/** Internal tool calls → Ollama's `{function: {name, arguments: object}}`. */
export function toolCallsOut(calls: ToolCall[] | undefined) {
  if (!calls?.length) return undefined;
  return calls.map((c, index) => ({ id: c.id, function: { index, name: c.name, arguments: argumentsObject(c.arguments) } }));
}
