import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import type { Backend } from "../../gateway/types.ts";
import type { ChatMessage, GenerateOptions, GenerateResult } from "../../runtime/types.ts";
import { parseBody } from "../validate.ts";
import { thinkingWanted } from "./capabilities.ts";
import { commonOptions } from "./options.ts";
import { loadOrUnload } from "./preload.ts";
import { findModel } from "./resolve.ts";
import { logprobsOut, runGeneration } from "./run.ts";
import { rejectImages } from "./translate.ts";
import { generateSchema, type GenerateRequest } from "./wire.ts";

/**
 * POST /api/generate: a completion of `prompt`, through the model's chat template (as one user
 * turn after `system`), or verbatim with `raw`.
 */
export function generateRoute(server: FastifyInstance, app: App) {
  server.post("/api/generate", async (req, reply) => {
    const body = parseBody(generateSchema, req.body);
    const opts = commonOptions(body);
    await refuseUnsupported(app, body);
    const prompt = body.prompt ?? "";
    // A suffix asks to fill in the middle: the prompt and suffix go round FIM tokens, not the chat template.
    const insert = body.suffix ? { suffix: body.suffix } : undefined;
    if (!prompt && !insert) {
      const res = await loadOrUnload(app, body.model, opts.keepAliveMs, opts.contextSize);
      return reply.send({ ...res, response: "" });
    }
    const earlier = body.context?.length ? body.context : undefined;
    const thinking = body.raw || insert || earlier ? false : await thinkingWanted(app, body.model, body.think);
    const messages: ChatMessage[] = [
      ...(body.system ? [{ role: "system" as const, content: body.system }] : []),
      { role: "user", content: prompt },
    ];
    // Templated answers end with `context`: prompt and answer as tokens, which older clients send back for the next turn.
    const returnContext = !body.raw && !insert;
    return runGeneration(app, req, reply, {
      model: body.model,
      stream: body.stream ?? true,
      opts,
      call: (backend, o) => (insert ? backend.complete(prompt, { ...o, ...insert }) : body.raw ? backend.complete(prompt, o)
        : earlier ? continueFrom(backend, earlier, messages, o) : backend.chat(messages, { ...o, returnContext })),
      piece: (d) => {
        const thinkingText = thinking ? d.reasoning : undefined;
        const logprobs = logprobsOut(d.logprobs);
        if (!d.text && !thinkingText && !logprobs) return undefined;
        return { response: d.text ?? "", ...(thinkingText ? { thinking: thinkingText } : {}), ...(logprobs ? { logprobs } : {}) };
      },
      last: (r) => {
        if (!r) return { response: "" };
        const logprobs = logprobsOut(r.logprobs);
        return {
          response: r.text,
          ...(thinking && r.reasoning ? { thinking: r.reasoning } : {}),
          ...(r.context ? { context: r.context } : {}),
          ...(logprobs ? { logprobs } : {}),
        };
      },
    });
  });
}

/** Fields this server cannot honour are refused with a reason rather than silently ignored. */
async function refuseUnsupported(app: App, body: GenerateRequest) {
  rejectImages(body.model, body.images);
  if (body.suffix && (body.system || body.template)) {
    throw invalid("suffix (fill-in-the-middle) takes the model's FIM tokens round prompt and suffix: it does not support system or template", "suffix");
  }
  if (body.raw && (body.template || body.system || body.context?.length)) {
    throw invalid("raw mode does not support template, system, or context", "raw");
  }
  if (body.context?.length && (body.think === true || typeof body.think === "string")) {
    throw invalid("think needs the conversation as messages (/api/chat), not context: the earlier tokens continue as a raw prompt", "think");
  }
  if (body.template) {
    const m = await findModel(app, body.model);
    if (body.template !== m.chatTemplate) {
      throw invalid(
        "custom templates are not supported: the model's own chat template (GGUF tokenizer.chat_template) is always applied; " +
          "use raw: true to send a fully formatted prompt",
        "template",
      );
    }
  }
}

/**
 * Ollama's deprecated `context`: the earlier prompt and answer as token ids, then this turn through
 * the chat template (without BOS), evaluated as one raw prompt (local models: an upstream's tokens
 * are not ours to read). The answer's `context` continues the chain.
 */
async function continueFrom(backend: Backend, earlier: number[], messages: ChatMessage[], o: GenerateOptions): Promise<GenerateResult> {
  if (!backend.continuationTokens) throw invalid("context (token ids of an earlier answer) needs a local model: send the conversation as messages to /api/chat", "context");
  return backend.complete([...earlier, ...(await backend.continuationTokens(messages))], { ...o, returnContext: true });
}
