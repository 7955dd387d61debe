import type { LlamaContextSequence, LlamaModel, SequenceEvaluateOptions, Token } from "node-llama-cpp";
import { loadedLlamaCpp } from "./llamaCpp.ts";
import { FreeholdError, invalid } from "../errors.ts";
import { infillTokens } from "./infill.ts";
import type { FinishReason, GenerateOptions, GenerateResult, Prompt, TokenLogprob } from "./types.ts";
import type { HeldSequence } from "./lease.ts";
import type { LoadedModel } from "./loadedModel.ts";
import { overflow, remainingTokens } from "./limits.ts";
import { resolveGrammar, resolveSampling } from "./sampling.ts";
import { TextStream } from "./textStream.ts";
import { LogprobReader, logprobMetadata, type SampledToken } from "./logprobs.ts";
import { checkedTokens, promptText, scorePrompt } from "./promptLogprobs.ts";
import { predictionTokens } from "./prediction.ts";
import { speculationUsage, withSpeculation } from "./speculation.ts";

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

/**
 * Text is tokenized here (BOS added when the model wants one); token ids are taken as sent. With
 * a suffix, the prompt is what comes before the insertion (fill-in-the-middle, runtime/infill.ts).
 */
export async function prepareCompletion(loaded: LoadedModel, prompt: Prompt, opts: GenerateOptions) {
  const tokens = opts.suffix !== undefined ? infillTokens(loaded.model, textOnly(prompt), opts.suffix, loaded.settings.contextSize, opts.infill)
    : typeof prompt === "string" ? promptTokens(loaded.model, prompt) : checkedTokens(loaded.model, prompt);
  if (tokens.length >= loaded.settings.contextSize) throw overflow(tokens.length, loaded.settings.contextSize, "the prompt", "prompt");
  const grammar = await resolveGrammar(loaded.model, opts.format);
  // maxTokens 0: nothing generated, the prompt only scored (echo with logprobs) or echoed.
  const maxTokens = opts.maxTokens === 0 ? 0 : remainingTokens(opts.maxTokens, tokens.length, loaded.settings.contextSize);
  const text = typeof prompt === "string" ? undefined : promptText(loaded.model, tokens);
  const sampling = resolveSampling(loaded.model, opts);
  const prediction = predictionTokens(loaded.model, opts, sampling, tokens,
    typeof prompt === "string" && opts.suffix === undefined ? (p) => promptTokens(loaded.model, prompt + p) : undefined);
  return { tokens, grammar, sampling, maxTokens, promptText: text, prediction };
}

function textOnly(prompt: Prompt): string {
  if (typeof prompt !== "string") throw invalid("a fill-in-the-middle request (suffix) takes its prompt as text, not token ids", "prompt");
  return prompt;
}

/**
 * A sequence kept from the same caller's previous request (PromptCache) still holds its tokens:
 * the part of the prompt it shares from the start is not evaluated again, the rest of its tokens
 * are erased. At least the prompt's last token is evaluated, for the logits the answer starts from.
 * Returns the tokens reused (0 for an empty sequence).
 */
async function reusePrefix(sequence: LlamaContextSequence, tokens: Token[]): Promise<number> {
  if (sequence.nextTokenIndex === 0) return 0;
  await sequence.adaptStateToTokens(tokens, false); // no shifting: only a common prefix is kept
  const keep = Math.min(sequence.nextTokenIndex, tokens.length - 1);
  if (keep < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: keep, end: sequence.nextTokenIndex }]);
  return keep;
}

export type PreparedCompletion = Awaited<ReturnType<typeof prepareCompletion>>;

/**
 * Raw text completion: evaluates the prompt on the held sequence and samples token by token,
 * with as little JS per token as node-llama-cpp allows (one detokenize, a stop-string check
 * only when there are stop strings, full probabilities only when logprobs were asked for).
 */
export async function runCompletion(held: HeldSequence, prep: PreparedCompletion, opts: GenerateOptions): Promise<GenerateResult> {
  const { loaded: { model }, sequence, signal } = held;
  const { tokens, grammar, sampling, maxTokens, promptText, prediction } = prep;
  const started = performance.now();
  const scored = opts.promptLogprobs ? await scorePrompt(held, tokens, opts.logprobs ?? 0) : undefined;
  const extra = { ...(scored ? { promptLogprobs: scored } : {}), ...(promptText !== undefined ? { promptText } : {}) };
  if (scored || promptText !== undefined) opts.onDelta?.({ prompt: { text: promptText, logprobs: scored } });
  if (maxTokens === 0) {
    // Evaluated for the next request to reuse (llama-server's n_predict 0 with cache_prompt).
    const prefilled = opts.prefill && !scored ? await reusePrefix(sequence, tokens) : 0;
    if (opts.prefill && !scored) await sequence.evaluateWithoutGeneratingNewTokens(tokens.slice(prefilled));
    const totalMs = performance.now() - held.startedAt;
    return {
      text: "", finishReason: "length", usage: { promptTokens: tokens.length, completionTokens: 0, ...(prefilled ? { cachedPromptTokens: prefilled } : {}) },
      timings: { queueMs: held.queueMs, loadMs: held.loadMs, firstTokenMs: performance.now() - started, totalMs }, ...extra,
    };
  }
  const history = sampling.penalty ? tokens.slice() : undefined;
  const topN = opts.logprobs;
  const options: SequenceEvaluateOptions = {
    // With logprobs, the end-of-generation token is listed too, as OpenAI lists it.
    yieldEogToken: topN !== undefined,
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
  const stream = new TextStream(model, opts.stop ?? [], tokens);
  const onDelta = opts.onDelta;
  const logprobs: TokenLogprob[] | undefined = topN === undefined ? undefined : [];
  const reader = topN === undefined ? undefined : new LogprobReader(model, topN);
  reader?.seen(tokens);
  let text = "";
  let generated = 0;
  let firstTokenMs = 0;
  let finishReason: FinishReason = "stop";
  let endedByEog = false;
  let cut = false;
  let last: Token | undefined;
  // A scored prompt is in the sequence already, but for its last token (whose logits start the answer).
  const cached = scored ? 0 : await reusePrefix(sequence, tokens);
  const input = scored ? tokens.slice(-1) : tokens.slice(cached);
  const generate = async () => {
    const iterator = topN === undefined
      ? sequence.evaluate(input, options)
      : sequence.evaluateWithMetadata(input, logprobMetadata(topN), options);
    try {
      for await (const item of iterator) {
        const token = typeof item === "number" ? item : item.token;
        last = token;
        generated++;
        if (firstTokenMs === 0) firstTokenMs = performance.now() - started;
        history?.push(token);
        if (reader && logprobs && typeof item !== "number") {
          const lp = reader.read(item as SampledToken);
          reader.seen([token]);
          logprobs.push(lp);
          onDelta?.({ logprobs: [lp] });
        }
        if (options.yieldEogToken && model.isEogToken(token)) { endedByEog = true; break; }
        const piece = stream.push(token);
        if (piece) {
          text += piece;
          onDelta?.({ text: piece });
          const end = opts.endAt?.(text);
          if (end !== undefined) {
            text = text.slice(0, end);
            finishReason = "length";
            cut = true;
            break;
          }
        }
        if (stream.stopped) break;
        if (signal.aborted) { finishReason = "cancelled"; break; }
        if (generated >= maxTokens) { finishReason = "length"; break; }
      }
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      throw new FreeholdError("internal", `generation failed: ${(e as Error).message}`, { cause: e });
    }
  };
  const { counts, drafted } = await withSpeculation(sequence, { prediction, draft: held.draft, promptTokens: tokens.length, maxTokens }, generate);
  const rest = cut ? "" : stream.flush();
  if (rest) {
    text += rest;
    onDelta?.({ text: rest });
  }
  // What the sequence evaluated, and the last token sampled, which it did not (unless it ended the answer).
  const context = opts.returnContext
    ? [...sequence.contextTokens, ...(last !== undefined && !model.isEogToken(last) ? [last] : [])] : undefined;
  // An end-of-generation token was sampled too (and ended the loop): count it, as LlamaChat does.
  // A prediction's drafted tokens thrown away count too, as OpenAI counts them (and as LlamaChat's token meter does).
  const sampled = (finishReason === "stop" && !stream.stopped && !endedByEog ? generated + 1 : generated) + (counts?.rejected ?? 0);
  return {
    text,
    finishReason,
    usage: { promptTokens: tokens.length, completionTokens: sampled, ...(cached ? { cachedPromptTokens: cached } : {}), ...speculationUsage({ counts, drafted }) },
    timings: { queueMs: held.queueMs, loadMs: held.loadMs, firstTokenMs: firstTokenMs || performance.now() - started, totalMs: performance.now() - held.startedAt },
    ...(logprobs ? { logprobs } : {}),
    ...(stream.stoppedBy !== undefined ? { stopSequence: stream.stoppedBy } : {}),
    ...(context ? { context } : {}),
    ...extra,
  };
}
