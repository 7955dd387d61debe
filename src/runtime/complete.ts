import type { LlamaModel, SequenceEvaluateOptions, Token } from "node-llama-cpp";
import { loadedLlamaCpp } from "./llamaCpp.ts";
import { FreeholdError } from "../errors.ts";
import type { FinishReason, GenerateOptions, GenerateResult, TokenLogprob } from "./types.ts";
import type { HeldSequence } from "./lease.ts";
import type { LoadedModel } from "./loadedModel.ts";
import { overflow, remainingTokens } from "./limits.ts";
import { resolveGrammar, resolveSampling } from "./sampling.ts";
import { TextStream } from "./textStream.ts";
import { LogprobReader, logprobMetadata, type SampledToken } from "./logprobs.ts";

/**
 * The tokens a raw prompt evaluates to: BOS when the model wants one, and special-token text
 * (like "<|im_start|>") read as the special token, as llama-server reads completion prompts.
 */
export function promptTokens(model: LlamaModel, text: string): Token[] {
  const tokens = model.tokenize(text, true);
  const bos = model.tokens.bos;
  if (model.tokens.shouldPrependBosToken && bos !== null && tokens[0] !== bos) tokens.unshift(bos);
  return tokens;
}

export async function prepareCompletion(loaded: LoadedModel, prompt: string, opts: GenerateOptions) {
  const tokens = promptTokens(loaded.model, prompt);
  if (tokens.length >= loaded.settings.contextSize) throw overflow(tokens.length, loaded.settings.contextSize, "the prompt", "prompt");
  const grammar = await resolveGrammar(loaded.model, opts.format);
  return { tokens, grammar, sampling: resolveSampling(loaded.model, opts), maxTokens: remainingTokens(opts.maxTokens, tokens.length, loaded.settings.contextSize) };
}

export type PreparedCompletion = Awaited<ReturnType<typeof prepareCompletion>>;

/**
 * Raw text completion: evaluates the prompt on the held sequence and samples token by token,
 * with as little JS per token as node-llama-cpp allows (one detokenize, a stop-string check
 * only when there are stop strings, full probabilities only when logprobs were asked for).
 */
export async function runCompletion(held: HeldSequence, prep: PreparedCompletion, opts: GenerateOptions): Promise<GenerateResult> {
  const { loaded: { model }, sequence, signal } = held;
  const { tokens, grammar, sampling, maxTokens } = prep;
  const started = performance.now();
  const history = sampling.penalty ? tokens.slice() : undefined;
  const options: SequenceEvaluateOptions = {
    temperature: sampling.temperature, topK: sampling.topK, topP: sampling.topP, minP: sampling.minP, seed: sampling.seed,
    tokenBias: sampling.tokenBias,
    grammarEvaluationState: grammar ? new (loadedLlamaCpp().LlamaGrammarEvaluationState)({ model, grammar }) : undefined,
    repeatPenalty: sampling.penalty && history ? {
      punishTokens: () => history.slice(-sampling.penalty!.lastTokens),
      maxPunishTokens: sampling.penalty.lastTokens,
      penalty: sampling.penalty.penalty,
      frequencyPenalty: sampling.penalty.frequencyPenalty,
      presencePenalty: sampling.penalty.presencePenalty,
    } : undefined,
  };
  const topN = opts.logprobs;
  const stream = new TextStream(model, opts.stop ?? [], tokens);
  const onDelta = opts.onDelta;
  const logprobs: TokenLogprob[] | undefined = topN === undefined ? undefined : [];
  const reader = topN === undefined ? undefined : new LogprobReader(model, topN);
  reader?.seen(tokens);
  let text = "";
  let generated = 0;
  let firstTokenMs = 0;
  let finishReason: FinishReason = "stop";
  const iterator = topN === undefined
    ? sequence.evaluate(tokens, options)
    : sequence.evaluateWithMetadata(tokens, logprobMetadata(topN), options);
  try {
    for await (const item of iterator) {
      const token = typeof item === "number" ? item : item.token;
      generated++;
      if (firstTokenMs === 0) firstTokenMs = performance.now() - started;
      history?.push(token);
      if (reader && logprobs && typeof item !== "number") {
        const lp = reader.read(item as SampledToken);
        reader.seen([token]);
        logprobs.push(lp);
        onDelta?.({ logprobs: [lp] });
      }
      const piece = stream.push(token);
      if (piece) {
        text += piece;
        onDelta?.({ text: piece });
      }
      if (stream.stopped) break;
      if (signal.aborted) { finishReason = "cancelled"; break; }
      if (generated >= maxTokens) { finishReason = "length"; break; }
    }
  } catch (e) {
    if (signal.aborted) throw signal.reason;
    throw new FreeholdError("internal", `generation failed: ${(e as Error).message}`, { cause: e });
  }
  const rest = stream.flush();
  if (rest) {
    text += rest;
    onDelta?.({ text: rest });
  }
  // An end-of-generation token was sampled too (and ended the loop): count it, as LlamaChat does.
  const sampled = finishReason === "stop" && !stream.stopped ? generated + 1 : generated;
  return {
    text,
    finishReason,
    usage: { promptTokens: tokens.length, completionTokens: sampled },
    timings: { queueMs: held.queueMs, loadMs: held.loadMs, firstTokenMs: firstTokenMs || performance.now() - started, totalMs: performance.now() - held.startedAt },
    ...(logprobs ? { logprobs } : {}),
  };
}
