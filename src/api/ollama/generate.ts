import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import type { ChatMessage } from "../../runtime/types.ts";
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
    const thinking = body.raw || insert ? false : await thinkingWanted(app, body.model, body.think);
    const messages: ChatMessage[] = [
      ...(body.system ? [{ role: "system" as const, content: body.system }] : []),
      { role: "user", content: prompt },
    ];
    return runGeneration(app, req, reply, {
      model: body.model,
      stream: body.stream ?? true,
      opts,
      call: (backend, o) => (insert ? backend.complete(prompt, { ...o, ...insert }) : body.raw ? backend.complete(prompt, o) : backend.chat(messages, o)),
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
  if (body.context?.length) {
    throw invalid("context is deprecated and not supported: send the conversation to /api/chat as messages", "context");
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
