import type { FastifyInstance } from "fastify";
import { z } from "zod";
import type { App } from "../../app.ts";
import { presetConversation } from "../../models/preset.ts";
import { isValidUtf8, withVocabulary } from "../../runtime/vocabulary.ts";
import { parseWire } from "../openai/parse.ts";
import { chatRequest, type ChatRequest } from "../openai/schemas.ts";
import { chatPlan } from "../openai/translate.ts";
import { parseBody } from "../validate.ts";
import { localModel, type LocalModel } from "./shared.ts";

export const tokenizeRequest = z.object({
  model: z.string().optional(),
  /** Text, or text and token ids mixed (llama-server's tokenize_mixed). */
  content: z.union([z.string(), z.array(z.union([z.string(), z.int()]))], { error: "must be a string or an array of strings and token ids" }).optional(),
  add_special: z.boolean().optional(),
  parse_special: z.boolean().optional(),
  with_pieces: z.boolean().optional(),
});

export const detokenizeRequest = z.object({
  model: z.string().optional(),
  tokens: z.array(z.int()).optional(),
});

export const applyTemplateRequest = z.object({
  model: z.string().optional(),
  messages: chatRequest.shape.messages,
  /** llama-server renders tools into the prompt; this route does not, so it refuses them rather than leave them out. */
  tools: z.array(z.unknown()).max(0, "tools are not rendered here: the chat route renders them (POST /v1/chat/completions)").optional(),
});

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** Any local model may be left unnamed when it is the only one (or the only one loaded). */
const rule = (route: string) => ({ route, preferLoaded: true });
const refOf = (m: LocalModel) => ({ name: m.record.name, path: m.record.path, sizeBytes: m.record.sizeBytes });

/**
 * llama.cpp's server's tokenizer routes, for its clients (front-ends that count tokens before
 * sending, scripts): POST /tokenize, POST /detokenize and POST /apply-template, with its fields
 * and answers. Local models only; nothing is evaluated, but the model is loaded to read its
 * vocabulary and template.
 */
export function tokenRoutes(server: FastifyInstance, app: App) {
  server.post("/tokenize", { config: { scope: "inference" } }, async (req) => {
    const body = parseBody(tokenizeRequest, req.body);
    const model = await localModel(app, body.model, rule("/tokenize"));
    if (body.content === undefined) return { tokens: [] }; // as llama-server answers a body without content
    const content = body.content;
    return withVocabulary(app.runtime, refOf(model), (v) => {
      // llama-server's defaults: no BOS, special-token text read as the token.
      const tokens = v.tokenize(content, { addSpecial: body.add_special ?? false, parseSpecial: body.parse_special ?? true });
      if (!body.with_pieces) return { tokens };
      return {
        tokens: tokens.map((id) => {
          const bytes = v.piece(id);
          return { id, piece: isValidUtf8(bytes) ? utf8.decode(bytes) : [...bytes] };
        }),
      };
    });
  });

  server.post("/detokenize", { config: { scope: "inference" } }, async (req) => {
    const body = parseBody(detokenizeRequest, req.body);
    const model = await localModel(app, body.model, rule("/detokenize"));
    const tokens = body.tokens ?? [];
    if (!tokens.length) return { content: "" };
    return withVocabulary(app.runtime, refOf(model), (v) => ({ content: v.detokenize(v.check(tokens, "tokens")) }));
  });

  server.post("/apply-template", { config: { scope: "inference" } }, async (req) => {
    const body = parseWire(applyTemplateRequest, req.body);
    const model = await localModel(app, body.model, rule("/apply-template"));
    // The chat route's own translation and the model's preset, so the prompt is the one it would evaluate.
    const { messages } = chatPlan({ model: model.name, messages: body.messages } as ChatRequest);
    const conversation = model.record.preset ? presetConversation(model.record.preset, messages) : messages;
    return withVocabulary(app.runtime, refOf(model), (v) => ({ prompt: v.chatPrompt(conversation) }));
  });
}
