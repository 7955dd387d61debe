import { invalid } from "../../errors.ts";
import type { ChatMessage, GenerateOptions, OutputFormat, Prompt, ToolChoice, ToolDefinition } from "../../runtime/types.ts";
import { checkJsonSchema } from "./jsonSchema.ts";
import { UNSUPPORTED, type ChatRequest, type CompletionRequest, type ContentPart, type EmbeddingRequest, type WireMessage } from "./schemas.ts";

/**
 * Wire → internal, once. Everything below api/ sees GenerateOptions and ChatMessage[]; the
 * checks that need more than a type (cross-field rules, refused features) happen here too.
 */

/** What a generation route needs besides the backend: the internal request and how to answer. */
export interface GenerationPlan {
  model: string;
  opts: GenerateOptions;
  /** Which wire field set the token budget, to name it in errors. */
  maxTokensParam: string;
  n: number;
  stream: boolean;
  includeUsage: boolean;
}

export interface ChatPlan extends GenerationPlan { messages: ChatMessage[] }
export interface CompletionPlan extends GenerationPlan { prompts: Prompt[]; echo: boolean }
export interface EmbeddingPlan { model: string; inputs: Prompt[]; base64: boolean; dimensions?: number }

const some = <T>(v: T | null | undefined): T | undefined => (v === null ? undefined : v);

/** Fields we cannot honour are refused, never silently dropped. */
export function rejectUnsupported(body: Record<string, unknown>): void {
  for (const [key, why] of Object.entries(UNSUPPORTED)) {
    if (body[key] !== undefined && body[key] !== null) throw invalid(why, key);
  }
  const m = body.modalities;
  if (m !== undefined && m !== null && !(Array.isArray(m) && m.every((x) => x === "text"))) {
    throw invalid('only the "text" modality is supported', "modalities");
  }
}

function plan(req: ChatRequest | CompletionRequest, maxTokens: number | undefined, maxTokensParam: string): GenerationPlan {
  const bias = req.logit_bias ? Object.fromEntries(Object.entries(req.logit_bias).map(([k, v]) => [Number(k), v])) : undefined;
  const stop = typeof req.stop === "string" ? [req.stop] : some(req.stop);
  if (req.stream_options != null && !req.stream) throw invalid("stream_options is only allowed when stream is true", "stream_options");
  return {
    model: req.model, maxTokensParam, n: req.n ?? 1, stream: req.stream ?? false,
    includeUsage: !!(req.stream && req.stream_options?.include_usage),
    opts: {
      maxTokens, temperature: some(req.temperature), topP: some(req.top_p), topK: some(req.top_k), minP: some(req.min_p),
      seed: some(req.seed), stop: stop?.length ? stop : undefined, presencePenalty: some(req.presence_penalty),
      frequencyPenalty: some(req.frequency_penalty), repeatPenalty: some(req.repeat_penalty), logitBias: bias,
      user: some(req.user), draftModel: some(req.draft_model), draftMax: some(req.draft_max), draftPMin: some(req.draft_p_min),
    },
  };
}

export function chatPlan(req: ChatRequest): ChatPlan {
  const budgetParam = req.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens";
  const p = plan(req, some(req.max_completion_tokens) ?? some(req.max_tokens), budgetParam);
  if (req.max_completion_tokens != null) p.opts.maxTokensIsCompletionBudget = true;
  if (req.top_logprobs != null && !req.logprobs) throw invalid("top_logprobs requires logprobs: true", "top_logprobs");
  if (req.logprobs) p.opts.logprobs = req.top_logprobs ?? 0;
  p.opts.format = outputFormat(req);
  const tools = req.tools?.map((t, i): ToolDefinition => {
    if (t.function.parameters) checkJsonSchema(t.function.parameters, `tools.${i}.function.parameters`);
    return { name: t.function.name, description: some(t.function.description), parameters: some(t.function.parameters), strict: some(t.function.strict) };
  });
  if (tools?.length) p.opts.tools = tools;
  p.opts.toolChoice = toolChoice(req, tools);
  if (req.parallel_tool_calls != null) {
    if (!tools?.length) throw invalid("parallel_tool_calls needs tools", "parallel_tool_calls");
    p.opts.parallelToolCalls = req.parallel_tool_calls;
  }
  if (req.prediction) {
    const c = req.prediction.content;
    p.opts.prediction = typeof c === "string" ? c : c.map((part) => part.text).join("");
  }
  return { ...p, messages: req.messages.map(toChatMessage) };
}

function outputFormat(req: ChatRequest): OutputFormat | undefined {
  const f = req.response_format;
  if (!f || f.type === "text") return undefined;
  if (f.type === "json_object") return { type: "json_object" };
  const schema = f.json_schema.schema;
  if (!schema) return { type: "json_object" };
  checkJsonSchema(schema, "response_format.json_schema.schema");
  return { type: "json_schema", schema, name: f.json_schema.name, strict: some(f.json_schema.strict) };
}

function toolChoice(req: ChatRequest, tools: ToolDefinition[] | undefined): ToolChoice | undefined {
  const c = req.tool_choice;
  return checkToolChoice(c == null ? undefined : typeof c === "string" ? c : { name: c.function.name }, tools, "tool_choice.function.name");
}

/**
 * A tool choice in internal form (every wire spells it its own way), checked against the tools;
 * `nameParam` is the field that named the tool, for the error.
 */
export function checkToolChoice(c: ToolChoice | undefined, tools: ToolDefinition[] | undefined, nameParam: string): ToolChoice | undefined {
  if (c === undefined || c === "none" || c === "auto") return c;
  if (!tools?.length) throw invalid("tool_choice needs tools to choose from", "tool_choice");
  if (c === "required") return c;
  if (!tools.some((t) => t.name === c.name)) throw invalid(`tool_choice names "${c.name}", which is not among the tools`, nameParam);
  return { name: c.name };
}

function toChatMessage(m: WireMessage, i: number): ChatMessage {
  const at = `messages.${i}.content`;
  switch (m.role) {
    case "system":
    case "developer":
      return { role: "system", content: text(m.content, at) };
    case "user":
      return { role: "user", content: text(m.content, at), name: some(m.name) };
    case "tool":
      return { role: "tool", content: text(m.content, at), toolCallId: m.tool_call_id };
    case "assistant": {
      const toolCalls = m.tool_calls?.map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments }));
      return { role: "assistant", content: m.content == null ? "" : text(m.content, at), ...(toolCalls?.length ? { toolCalls } : {}) };
    }
  }
}

/** A string, or text parts joined; anything that is not text cannot be understood by these models. */
function text(content: string | ContentPart[], at: string): string {
  if (typeof content === "string") return content;
  return content.map((part, j) => {
    if (part.type === "text") return part.text;
    if (part.type === "refusal") return part.refusal;
    const what = part.type === "image_url" ? "images" : part.type === "input_audio" ? "audio" : "files";
    return reject(`this model does not accept ${what}`, `${at}.${j}`);
  }).join("\n");
}

const reject = (message: string, param: string): never => { throw invalid(message, param); };

export function completionPlan(req: CompletionRequest): CompletionPlan {
  const p = plan(req, some(req.max_tokens), "max_tokens");
  const prompt = req.prompt;
  // A string, several strings, one prompt's token ids, or several prompts' token ids.
  const prompts: Prompt[] = typeof prompt === "string" ? [prompt]
    : typeof prompt[0] === "number" ? [prompt as number[]] : (prompt as string[] | number[][]);
  const empty = prompts.findIndex((x) => Array.isArray(x) && x.length === 0);
  if (empty >= 0) throw invalid("a token-array prompt must not be empty", `prompt.${empty}`);
  if (req.max_tokens === 0 && !req.echo) throw invalid("max_tokens 0 generates nothing: it is allowed only with echo", "max_tokens");
  if (req.suffix != null) {
    // Fill in the middle: each prompt is the text before the insertion, the suffix the text after.
    if (req.echo) throw invalid("echo cannot be used with suffix (fill-in-the-middle)", "echo");
    if (prompts.some((x) => typeof x !== "string")) throw invalid("with suffix (fill-in-the-middle), the prompt must be text, not token ids", "prompt");
    p.opts.suffix = req.suffix;
  }
  if (req.best_of != null && req.best_of > 1) throw invalid("best_of is not supported", "best_of");
  if (req.logprobs != null) p.opts.logprobs = req.logprobs;
  // Echo with logprobs scores the prompt too: each of its tokens' log-probability after those before it.
  if (req.echo && req.logprobs != null) p.opts.promptLogprobs = true;
  return { ...p, prompts, echo: req.echo ?? false };
}

export function embeddingPlan(req: EmbeddingRequest): EmbeddingPlan {
  const input = req.input;
  // A string, several strings, one input's token ids, or several inputs' token ids.
  const inputs: Prompt[] = typeof input === "string" ? [input]
    : typeof input[0] === "number" ? [input as number[]] : (input as string[] | number[][]);
  if (inputs.length > 2048) throw invalid("at most 2048 inputs per request", "input");
  const empty = inputs.findIndex((s) => s.length === 0);
  if (empty >= 0) throw invalid("inputs must not be empty", typeof input === "string" ? "input" : `input.${empty}`);
  return { model: req.model, inputs, base64: req.encoding_format === "base64", dimensions: some(req.dimensions) };
}
