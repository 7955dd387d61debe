import { loadedLlamaCpp } from "./llamaCpp.ts";
import type { ChatWrapper, ChatWrapperGenerateContextStateOptions, ChatWrapperGeneratedContextState } from "node-llama-cpp";
import type { ToolChoice } from "./types.ts";

const forced = new WeakMap<ChatWrapper, ChatWrapper>();

/**
 * For toolChoice "required" or a named tool: the same chat wrapper, except that after the prompt
 * the model starts inside a function call (node-llama-cpp's `noPrefixTrigger: functionCall`),
 * so its first output is a call to one of the offered functions, chosen under their grammar.
 * Wrappers that already steer the start of a response with prefix triggers (Harmony, Muse) or
 * begin engaged in function calling (Functionary) are left as they are: the choice is then a
 * strong hint (only the named tool is offered) rather than a guarantee.
 */
export function wrapperForToolChoice(wrapper: ChatWrapper, choice: ToolChoice | undefined): ChatWrapper {
  if (choice !== "required" && typeof choice !== "object") return wrapper;
  let hit = forced.get(wrapper);
  if (!hit) {
    const calls = wrapper.settings.functions;
    const inject = loadedLlamaCpp().LlamaText([calls.parallelism?.call.sectionPrefix ?? "", calls.call.prefix]);
    hit = Object.create(wrapper) as ChatWrapper;
    hit.generateContextState = (options: ChatWrapperGenerateContextStateOptions): ChatWrapperGeneratedContextState => {
      const state = wrapper.generateContextState(options);
      if (!options.availableFunctions || state.prefixTriggers?.length || state.functionCall || state.ignoreStartText) return state;
      const { contextText, stopGenerationTriggers, rerender } = state;
      return { contextText, stopGenerationTriggers, rerender, noPrefixTrigger: { type: "functionCall", inject }, detectFunctionCalls: true };
    };
    forced.set(wrapper, hit);
  }
  return hit;
}
