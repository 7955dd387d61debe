import type { ChatWrapper, LlamaModel } from "node-llama-cpp";
import { loadedLlamaCpp } from "./llamaCpp.ts";

const byTemplate = new Map<string, ChatWrapper>();
const byFile = new Map<string, ChatWrapper>();

/**
 * The chat wrapper node-llama-cpp resolves from the GGUF's template, cached: resolving renders
 * the template against every built-in wrapper and blocks the event loop for 0.5-1 s. Built-in
 * wrappers hold no model state, so one instance serves every model with the same template;
 * Jinja-rendering wrappers hold the model's tokenizer, so they are cached per file only.
 */
export function chatWrapperFor(model: LlamaModel, fileKey: string): ChatWrapper {
  const md = model.fileInfo.metadata;
  const templateKey = JSON.stringify([md.tokenizer?.chat_template ?? "", md.general?.architecture ?? "", model.tokens.bosString]);
  const hit = byTemplate.get(templateKey) ?? byFile.get(fileKey);
  if (hit) return hit;
  const { JinjaTemplateChatWrapper, resolveChatWrapper, TemplateChatWrapper } = loadedLlamaCpp();
  const wrapper = resolveChatWrapper(model);
  if (wrapper instanceof JinjaTemplateChatWrapper || wrapper instanceof TemplateChatWrapper) byFile.set(fileKey, wrapper);
  else byTemplate.set(templateKey, wrapper);
  return wrapper;
}
