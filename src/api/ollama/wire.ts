import { z } from "zod";

/**
 * The Ollama request shapes we accept (docs/api.md), in one place. Objects strip unknown keys:
 * clients send extras we can ignore; extras that would change the meaning of a request are
 * refused in translate.ts. `nullish` because clients send `null` for "not set".
 */

/** Ollama's Duration: seconds as a number, or a Go duration string ("5m", "1h30m", "-1"). */
const keepAlive = z.union([z.number(), z.string()], { error: 'must be a number of seconds or a duration like "5m"' }).nullish();

/** Known options are typed; Ollama ignores unknown ones (num_gpu, mirostat, ...), and so do we. */
export const optionsSchema = z.object({
  temperature: z.number().min(0).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  top_k: z.int().min(0).nullish(),
  min_p: z.number().min(0).max(1).nullish(),
  seed: z.int().nullish(),
  num_predict: z.int().min(-2, "must be a token count, -1 (until the context is full) or -2 (fill the context)").nullish(),
  stop: z.union([z.string(), z.array(z.string())], { error: "must be a string or an array of strings" }).nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  repeat_penalty: z.number().min(0).nullish(),
  num_ctx: z.int().positive().nullish(),
});
export type WireOptions = z.infer<typeof optionsSchema>;

const images = z.array(z.string()).nullish();

/** Ollama's tool call: arguments are an object, not JSON text as in OpenAI's shape. */
const toolCall = z.object({
  id: z.string().nullish(),
  function: z.object({
    name: z.string().min(1),
    arguments: z.union([z.record(z.string(), z.unknown()), z.string()]).nullish(),
    index: z.int().nullish(),
  }),
});
export type WireToolCall = z.infer<typeof toolCall>;

export const messageSchema = z.object({
  role: z.enum(["system", "user", "assistant", "tool"]),
  content: z.string().nullish(),
  thinking: z.string().nullish(),
  images,
  tool_calls: z.array(toolCall).nullish(),
  /** The tool a "tool" message answers (Ollama's field); `tool_call_id` as newer clients send it. */
  tool_name: z.string().nullish(),
  tool_call_id: z.string().nullish(),
});
export type WireMessage = z.infer<typeof messageSchema>;

const tool = z.object({
  type: z.literal("function").nullish(),
  function: z.object({
    name: z.string().min(1),
    description: z.string().nullish(),
    parameters: z.record(z.string(), z.unknown()).nullish(),
  }),
});
export type WireTool = z.infer<typeof tool>;

/** "json", a JSON schema object, or "" for none. */
const format = z.union([z.string(), z.record(z.string(), z.unknown())], { error: 'must be "json" or a JSON schema object' }).nullish();
const think = z.union([z.boolean(), z.enum(["high", "medium", "low"])], { error: 'must be a boolean or "high", "medium", "low"' }).nullish();

/** Fields /api/chat and /api/generate share. */
const common = {
  model: z.string({ error: "model is required" }).min(1, "model is required"),
  stream: z.boolean().nullish(),
  format,
  options: optionsSchema.nullish(),
  keep_alive: keepAlive,
  think,
  logprobs: z.boolean().nullish(),
  top_logprobs: z.int().min(0).max(20).nullish(),
};

export const chatSchema = z.object({
  ...common,
  messages: z.array(messageSchema).nullish(),
  tools: z.array(tool).nullish(),
});
export type ChatRequest = z.infer<typeof chatSchema>;

export const generateSchema = z.object({
  ...common,
  prompt: z.string().nullish(),
  suffix: z.string().nullish(),
  system: z.string().nullish(),
  template: z.string().nullish(),
  context: z.array(z.int()).nullish(),
  raw: z.boolean().nullish(),
  images,
});
export type GenerateRequest = z.infer<typeof generateSchema>;

export const embedSchema = z.object({
  model: common.model,
  input: z.union([z.string(), z.array(z.string())], { error: "must be a string or an array of strings" }).nullish(),
  truncate: z.boolean().nullish(),
  dimensions: z.int().positive().nullish(),
  keep_alive: keepAlive,
  options: optionsSchema.nullish(),
});
export type EmbedRequest = z.infer<typeof embedSchema>;

/** The legacy /api/embeddings: one prompt, one vector. */
export const embeddingsSchema = z.object({
  model: common.model,
  prompt: z.string().nullish(),
  keep_alive: keepAlive,
  options: optionsSchema.nullish(),
});

/** Management requests name the model `model`, or `name` as older clients (and the JS SDK) do. */
const named = { model: z.string().nullish(), name: z.string().nullish() };
/**
 * Freehold's extensions, which Ollama clients never send: `freehold: {}` on show adds the
 * registry record and memory predicted at the usual context, or at `contextSize` (`freehold show`); `freehold: {name}` on
 * pull names the model as `freehold pull` does (`--name`, else <owner>/<repo>:<quant>) instead
 * of after the reference, as Ollama does. The CLI uses them while serve holds the database.
 */
export const showSchema = z.object({
  ...named, verbose: z.boolean().nullish(),
  freehold: z.object({ contextSize: z.int().positive().nullish() }).nullish(),
});
export const deleteSchema = z.object(named);
export const pullSchema = z.object({
  ...named, insecure: z.boolean().nullish(), stream: z.boolean().nullish(),
  freehold: z.object({ name: z.string().min(1).nullish() }).nullish(),
});
export const copySchema = z.object({
  source: z.string({ error: "source is required" }).min(1, "source is required"),
  destination: z.string({ error: "destination is required" }).min(1, "destination is required"),
});

/**
 * Ollama's create: from a registered model (`from`, optionally quantized) or an uploaded GGUF
 * blob (`files`), with a Modelfile's system prompt, parameters, messages and license; or, as
 * older clients send it, the Modelfile's text (`modelfile`).
 */
export const createSchema = z.object({
  ...named,
  from: z.string().min(1, "from must not be empty").nullish(),
  quantize: z.string().min(1, "quantize must not be empty").nullish(),
  /** File name → the digest of a blob uploaded with POST /api/blobs (one GGUF file). */
  files: z.record(z.string(), z.string()).nullish(),
  stream: z.boolean().nullish(),
  modelfile: z.string().nullish(),
  system: z.string().nullish(),
  parameters: z.record(z.string(), z.unknown()).nullish(),
  messages: z.array(z.object({ role: z.string(), content: z.string().nullish() })).nullish(),
  license: z.union([z.string(), z.array(z.string())]).nullish(),
  template: z.string().nullish(),
  /** LoRA adapters (Modelfile ADAPTER lines): file name → the digest of a blob uploaded with POST /api/blobs. */
  adapters: z.record(z.string(), z.string()).nullish(),
  /** Freehold's extension (with `quantize`): the quantizer settings `freehold quantize` offers; its summary comes back on the success line. */
  freehold: z.object({
    allowRequantize: z.boolean().nullish(),
    leaveOutput: z.boolean().nullish(),
    outputType: z.string().nullish(),
    tokenEmbeddingType: z.string().nullish(),
    pure: z.boolean().nullish(),
    threads: z.int().min(0).nullish(),
  }).nullish(),
});
export type CreateRequest = z.infer<typeof createSchema>;
