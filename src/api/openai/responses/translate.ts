import { invalid } from "../../../errors.ts";
import type { ChatMessage, OutputFormat, ToolCall, ToolChoice, ToolDefinition } from "../../../runtime/types.ts";
import { checkJsonSchema } from "../jsonSchema.ts";
import { type ChatPlan, checkToolChoice } from "../translate.ts";
import type { InputItem, InputPart, ResponseRequest } from "./schema.ts";

/**
 * A Responses request → the chat plan /v1/chat/completions runs: the same backends, tools,
 * grammars and limits. `earlier` is the conversation a `previous_response_id` continues
 * (its input and output; not its instructions, which OpenAI does not carry over either).
 */
export function responsePlan(req: ResponseRequest, earlier: ChatMessage[] = []): ChatPlan {
  refuseUnsupported(req);
  const tools = req.tools?.map((t, i): ToolDefinition => {
    if (t.type !== "function" || !("name" in t)) throw invalid(`tools of type "${t.type}" are not supported: only "function"`, `tools.${i}.type`);
    if (t.parameters) checkJsonSchema(t.parameters, `tools.${i}.parameters`);
    return { name: t.name, description: t.description ?? undefined, parameters: t.parameters ?? undefined, strict: t.strict ?? undefined };
  });
  const input = typeof req.input === "string" ? [{ role: "user" as const, content: req.input }] : inputMessages(req.input);
  const messages = [...(req.instructions ? [{ role: "system" as const, content: req.instructions }] : []), ...earlier, ...input];
  if (!messages.some((m) => m.role !== "system")) throw invalid("input must hold at least one message", "input");
  return {
    model: req.model, maxTokensParam: "max_output_tokens", n: 1, stream: req.stream ?? false, includeUsage: false, messages,
    opts: {
      maxTokens: req.max_output_tokens ?? undefined, maxTokensIsCompletionBudget: true,
      temperature: req.temperature ?? undefined, topP: req.top_p ?? undefined,
      user: req.safety_identifier ?? req.user ?? undefined,
      ...(req.top_logprobs != null ? { logprobs: req.top_logprobs } : {}),
      format: outputFormat(req),
      ...(tools?.length ? { tools } : {}),
      toolChoice: toolChoice(req, tools),
      ...(req.parallel_tool_calls != null && tools?.length ? { parallelToolCalls: req.parallel_tool_calls } : {}),
    },
  };
}

function refuseUnsupported(req: ResponseRequest): void {
  if (req.background) throw invalid("background responses are not supported: stream, or wait for the answer", "background");
  if (req.conversation != null) throw invalid("conversations are not supported: use previous_response_id, or send the whole input", "conversation");
  if (req.prompt != null) throw invalid("prompt templates are not supported: send instructions and input", "prompt");
}

function outputFormat(req: ResponseRequest): OutputFormat | undefined {
  const f = req.text?.format;
  if (!f || f.type === "text") return undefined;
  if (f.type === "json_object") return { type: "json_object" };
  checkJsonSchema(f.schema, "text.format.schema");
  return { type: "json_schema", schema: f.schema, name: f.name, strict: f.strict ?? undefined };
}

function toolChoice(req: ResponseRequest, tools: ToolDefinition[] | undefined): ToolChoice | undefined {
  const c = req.tool_choice;
  return checkToolChoice(c == null ? undefined : typeof c === "string" ? c : { name: c.name }, tools, "tool_choice.name");
}

/**
 * Input items → chat messages. Consecutive function calls become one assistant turn with
 * several calls (as chat templates expect), their outputs tool messages answering them by id.
 */
export function inputMessages(items: InputItem[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  items.forEach((item, i) => {
    if (!("type" in item) || item.type === undefined || item.type === "message") {
      const m = item as Extract<InputItem, { role: string }>;
      const content = text(m.content, `input.${i}.content`);
      out.push(m.role === "developer" || m.role === "system" ? { role: "system", content } : { role: m.role, content });
      return;
    }
    switch (item.type) {
      case "function_call": {
        const call: ToolCall = { id: item.call_id, name: item.name, arguments: item.arguments };
        const last = out.at(-1);
        if (last?.role === "assistant" && last.toolCalls?.length) last.toolCalls.push(call);
        else if (last?.role === "assistant" && !last.toolCalls) last.toolCalls = [call];
        else out.push({ role: "assistant", content: "", toolCalls: [call] });
        return;
      }
      case "function_call_output": {
        const name = out.flatMap((m) => m.toolCalls ?? []).find((c) => c.id === item.call_id)?.name;
        out.push({ role: "tool", toolCallId: item.call_id, content: text(item.output, `input.${i}.output`), ...(name ? { name } : {}) });
        return;
      }
      case "reasoning":
        return; // earlier thinking: chat templates drop it from past turns too
      case "item_reference":
        throw invalid("item references are not supported: send the items themselves, or use previous_response_id", `input.${i}`);
    }
  });
  return out;
}

/** A string, or text parts joined; these models cannot read images, files or audio. */
function text(content: string | InputPart[], at: string): string {
  if (typeof content === "string") return content;
  return content.map((p, j) => {
    if (p.type === "input_text" || p.type === "output_text") return p.text;
    if (p.type === "refusal") return p.refusal;
    const what = p.type === "input_image" ? "images" : p.type === "input_audio" ? "audio" : "files";
    throw invalid(`this model does not accept ${what}`, `${at}.${j}`);
  }).join("\n");
}
