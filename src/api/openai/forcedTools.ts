import { randomBytes } from "node:crypto";
import type { Backend } from "../../gateway/types.ts";
import type { ChatMessage, GenerateOptions, GenerateResult, ToolDefinition } from "../../runtime/types.ts";

/**
 * WORKAROUND: the local runtime passes tools to node-llama-cpp, which has no "must call"
 * switch, so `tool_choice: "required"` or a named function was silently treated as "auto".
 * Until the runtime enforces it, a forced call is generated here the way vLLM does it: as
 * output constrained by the arguments' JSON schema, then presented as a tool call. The tools
 * are described in a system message so the model still sees them. Upstream backends get the
 * request untouched (they honour tool_choice themselves).
 */
export function mustCallTool(backend: Backend, opts: GenerateOptions): boolean {
  const c = opts.toolChoice;
  return backend.kind === "local" && !!opts.tools?.length && (c === "required" || typeof c === "object");
}

const ANY_OBJECT = { type: "object" };

export async function forcedToolCall(backend: Backend, messages: ChatMessage[], opts: GenerateOptions): Promise<GenerateResult> {
  const choice = opts.toolChoice;
  const tools = typeof choice === "object" ? opts.tools!.filter((t) => t.name === choice.name) : opts.tools!;
  const named = tools.length === 1 ? tools[0] : undefined;
  const schema = named
    ? (named.parameters ?? ANY_OBJECT)
    : {
      oneOf: tools.map((t) => ({
        type: "object",
        properties: { name: { const: t.name }, arguments: t.parameters ?? ANY_OBJECT },
        required: ["name", "arguments"],
        additionalProperties: false,
      })),
    };
  const { tools: _t, toolChoice: _c, onDelta, ...rest } = opts;
  const r = await backend.chat(withInstruction(messages, tools, !!named), {
    ...rest,
    // As for tool calls the model chooses: only strict tools refuse what the grammar cannot enforce.
    format: { type: "json_schema", schema, lenient: !tools.every((t) => t.strict === true) },
    // The text is the call's JSON, not an answer: only thinking streams; the call comes whole at the end.
    ...(onDelta ? { onDelta: (d) => d.reasoning && onDelta({ reasoning: d.reasoning }) } : {}),
  });
  const call = named ? { name: named.name, arguments: r.text } : parseCall(r.text);
  if (!call) return r; // cut off before a whole call: the client sees the text and finish_reason "length"
  const id = `call_${randomBytes(12).toString("hex")}`;
  return {
    ...r, text: "", toolCalls: [{ id, ...call }], finishReason: r.finishReason === "length" ? "length" : "tool_calls",
    // Log-probabilities are the content's, and a call has none (the JSON's are not the answer's).
    ...(r.logprobs ? { logprobs: [] } : {}),
  };
}

function parseCall(text: string): { name: string; arguments: string } | undefined {
  try {
    const v = JSON.parse(text) as { name: string; arguments: unknown };
    return { name: v.name, arguments: JSON.stringify(v.arguments) };
  } catch {
    return undefined;
  }
}

function withInstruction(messages: ChatMessage[], tools: ToolDefinition[], named: boolean): ChatMessage[] {
  const list = tools.map((t) => `- ${t.name}${t.description ? `: ${t.description}` : ""}\n  arguments schema: ${JSON.stringify(t.parameters ?? ANY_OBJECT)}`);
  const note = named
    ? `Call the function below. Reply with only its arguments as a JSON object.\n${list.join("\n")}`
    : `Call one of the functions below. Reply with only {"name": ..., "arguments": {...}} as JSON.\n${list.join("\n")}`;
  const [first, ...others] = messages;
  if (first?.role === "system") return [{ ...first, content: `${first.content}\n\n${note}` }, ...others];
  return [{ role: "system", content: note }, ...messages];
}
