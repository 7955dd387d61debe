import { randomUUID } from "node:crypto";
import { loadedLlamaCpp } from "./llamaCpp.ts";
import type { LlamaChat, LlamaChatResponseChunk } from "node-llama-cpp";
import { FreeholdError, invalid } from "../errors.ts";
import type { ChatMessage, FinishReason, GenerateOptions, GenerateResult, ToolCall } from "./types.ts";
import type { HeldSequence } from "./lease.ts";
import type { LoadedModel } from "./loadedModel.ts";
import { toChatHistory, toFunctions } from "./history.ts";
import { resolveGrammar, resolveSampling } from "./sampling.ts";
import { overflow, remainingTokens } from "./limits.ts";
import { wrapperForToolChoice } from "./toolChoice.ts";
import { ChatLogprobs } from "./chatLogprobs.ts";
import { predictionTokens } from "./prediction.ts";
import { speculationUsage, withSpeculation } from "./speculation.ts";

const FINISH: Record<string, FinishReason> = {
  eogToken: "stop", stopGenerationTrigger: "stop", customStopTrigger: "stop",
  maxTokens: "length", functionCalls: "tool_calls", abort: "cancelled",
};

/** A conversation as the model will see it: its tools, the template's wrapper, the history and its length in tokens. */
function renderedChat(loaded: LoadedModel, messages: ChatMessage[], opts: Pick<GenerateOptions, "tools" | "toolChoice">) {
  const functions = toFunctions(opts.tools, opts.toolChoice);
  const chatWrapper = functions ? wrapperForToolChoice(loaded.chatWrapper, opts.toolChoice) : loaded.chatWrapper;
  const history = toChatHistory(messages);
  const { contextText } = chatWrapper.generateContextState({ chatHistory: history, availableFunctions: functions });
  const tokens = contextText.tokenize(loaded.model.tokenizer);
  return { functions, chatWrapper, history, contextText, tokens, promptTokens: tokens.length };
}

/**
 * A conversation's prompt as token ids, without its BOS: what comes after earlier tokens sent
 * back as Ollama's generate `context`.
 */
export function continuationTokens(loaded: LoadedModel, messages: ChatMessage[]): number[] {
  const { tokens } = renderedChat(loaded, messages, {});
  return tokens[0] === loaded.model.tokens.bos ? tokens.slice(1) : tokens;
}

/** Tokens a conversation takes through the model's chat template, tools included (nothing evaluated). */
export const chatPromptTokens = (loaded: LoadedModel, messages: ChatMessage[], opts: Pick<GenerateOptions, "tools" | "toolChoice">): number =>
  renderedChat(loaded, messages, opts).promptTokens;

/** Validates and prepares a chat request before it takes a sequence. */
export async function prepareChat(loaded: LoadedModel, messages: ChatMessage[], opts: GenerateOptions) {
  const { functions, chatWrapper, history, contextText, tokens, promptTokens } = renderedChat(loaded, messages, opts);
  const grammar = await resolveGrammar(loaded.model, opts.format);
  if (grammar && functions) throw invalid("a response format cannot be combined with tools", "format");
  const contextSize = loaded.settings.contextSize;
  if (promptTokens >= contextSize) throw overflow(promptTokens, contextSize, "the conversation", "messages");
  const maxTokens = remainingTokens(opts.maxTokens, promptTokens, contextSize);
  const sampling = resolveSampling(loaded.model, opts);
  const prediction = predictionTokens(loaded.model, opts, sampling, tokens,
    (text) => loadedLlamaCpp().LlamaText([contextText, text]).tokenize(loaded.model.tokenizer));
  return { chatWrapper, functions, grammar, history, contextText, tokens, promptTokens, maxTokens, sampling, prediction };
}

export type PreparedChat = Awaited<ReturnType<typeof prepareChat>>;

/** One chat turn on a held sequence, streamed through `opts.onDelta`. */
export async function runChat(held: HeldSequence, prep: PreparedChat, opts: GenerateOptions): Promise<GenerateResult> {
  const { loaded, sequence, signal } = held;
  const { chatWrapper, functions, grammar, history, contextText, promptTokens, maxTokens, sampling, prediction } = prep;
  const started = performance.now();
  let firstTokenMs = 0;
  const onDelta = opts.onDelta;
  const toolCalls: ToolCall[] = [];
  const meterBefore = sequence.tokenMeter.usedOutputTokens;
  const inputBefore = sequence.tokenMeter.usedInputTokens;
  const chat = new (loadedLlamaCpp().LlamaChat)({ contextSequence: sequence, chatWrapper });
  const logprobs = opts.logprobs === undefined ? undefined : new ChatLogprobs(loaded.model, opts.logprobs);
  const unobserve = logprobs?.observe(sequence);
  onDelta?.({ promptTokens });
  try {
    const { result: response, ...ahead } = await withSpeculation(sequence, { prediction, draft: held.draft, promptTokens, maxTokens }, () => chat.generateResponse(history, {
      signal,
      stopOnAbortSignal: true,
      maxTokens,
      temperature: sampling.temperature,
      topK: sampling.topK,
      topP: sampling.topP,
      minP: sampling.minP,
      seed: sampling.seed,
      tokenBias: sampling.tokenBias,
      repeatPenalty: sampling.penalty ? { ...sampling.penalty, penalizeNewLine: true } : false,
      customStopTriggers: opts.stop?.length ? opts.stop : undefined,
      grammar: grammar as never,
      functions: functions as never,
      ...(functions && opts.parallelToolCalls === false ? { maxParallelFunctionCalls: 1 } : {}),
      // The prompt was checked to fit; never drop history silently to make room.
      contextShift: { size: 1, strategy: () => { throw overflow(promptTokens, loaded.settings.contextSize, "the conversation", "messages"); } },
      onResponseChunk: (chunk: LlamaChatResponseChunk) => {
        if (firstTokenMs === 0) firstTokenMs = performance.now() - started;
        if (chunk.type === undefined) {
          const lps = logprobs?.text(chunk.tokens, chunk.text);
          // Log-probabilities go with their text; those of textless tokens ride ahead of the next piece.
          if (chunk.text !== "" || lps?.length) onDelta?.({ ...(chunk.text ? { text: chunk.text } : {}), ...(lps?.length ? { logprobs: lps } : {}) });
        } else {
          logprobs?.skip(chunk.tokens);
          if (chunk.segmentType === "thought" && chunk.text !== "") onDelta?.({ reasoning: chunk.text });
        }
      },
      onFunctionCall: (call) => {
        const toolCall = { id: `call_${randomUUID().replaceAll("-", "").slice(0, 24)}`, name: call.functionName, arguments: JSON.stringify(call.params ?? {}) };
        toolCalls.push(toolCall);
        onDelta?.({ toolCalls: [toolCall] });
      },
    } as Parameters<LlamaChat["generateResponse"]>[1]));
    logprobs?.check(response.response);
    const reasoning = response.fullResponse
      .map((part) => (typeof part !== "string" && part.segmentType === "thought" ? part.text : ""))
      .join("");
    const totalMs = performance.now() - held.startedAt;
    // As Ollama builds it: the prompt and the answer's text, tokenized together.
    const context = opts.returnContext ? loadedLlamaCpp().LlamaText([contextText, response.response]).tokenize(loaded.model.tokenizer) : undefined;
    return {
      text: response.response,
      ...(context ? { context } : {}),
      ...(reasoning ? { reasoning } : {}),
      ...(toolCalls.length ? { toolCalls } : {}),
      finishReason: FINISH[response.metadata.stopReason] ?? "stop",
      ...(response.metadata.stopReason === "customStopTrigger"
        ? { stopSequence: response.metadata.customStopTrigger.filter((t) => typeof t === "string").join("") } : {}),
      usage: {
        // The meter counts drafted tokens evaluated for nothing: a prediction's are billed as OpenAI bills them, a draft model's are not.
        promptTokens, completionTokens: sequence.tokenMeter.usedOutputTokens - meterBefore - (ahead.drafted?.rejected ?? 0),
        // Prompt tokens evaluated now are metered as input, but for the last (which yields logits).
        cachedPromptTokens: Math.max(0, promptTokens - (sequence.tokenMeter.usedInputTokens - inputBefore) - 1),
        ...speculationUsage(ahead),
      },
      timings: { queueMs: held.queueMs, loadMs: held.loadMs, firstTokenMs: firstTokenMs || performance.now() - started, totalMs },
      ...(logprobs ? { logprobs: logprobs.content } : {}),
    };
  } catch (e) {
    if (e instanceof FreeholdError) throw e;
    if (signal.aborted) throw signal.reason;
    throw new FreeholdError("internal", `generation failed: ${(e as Error).message}`, { cause: e });
  } finally {
    unobserve?.();
    chat.dispose({ disposeSequence: false });
  }
}
