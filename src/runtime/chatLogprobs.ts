import type { LlamaContextSequence, LlamaModel, Token } from "node-llama-cpp";
import { FreeholdError } from "../errors.ts";
import { LogprobReader, logprobMetadata, tokenBytes, type SampledToken } from "./logprobs.ts";
import type { TokenLogprob } from "./types.ts";

interface Sampled { token: Token; lp: TokenLogprob }

/**
 * Log-probabilities of a chat answer's tokens. LlamaChat samples through `sequence.evaluate`,
 * which is `evaluateWithMetadata` asking for no metadata; while a turn runs, the held sequence's
 * `evaluate` asks for the probabilities too (same sampler, same tokens) and records every
 * sampled token. So the answer, its stop triggers, thinking and tool calls stay exactly
 * LlamaChat's. Its text chunks name their tokens, and each is matched to its record; sampled
 * tokens that never became answer text (template markers, thinking, tool calls, stop triggers,
 * the end-of-generation token) are passed over.
 */
export class ChatLogprobs {
  /** Answer-text tokens' log-probabilities, in order. */
  readonly content: TokenLogprob[] = [];
  private readonly sampled: Sampled[] = [];
  private next = 0;

  constructor(private readonly model: LlamaModel, private readonly topN: number) {}

  /** Records what `sequence` samples until the returned function puts its `evaluate` back. */
  observe(sequence: LlamaContextSequence): () => void {
    const reader = new LogprobReader(this.model, this.topN);
    const metadata = logprobMetadata(this.topN);
    const sampled = this.sampled;
    // Mirrors LlamaContextSequence.evaluate, including replacement tokens passed to next().
    const evaluate: LlamaContextSequence["evaluate"] = async function* (tokens, options) {
      reader.seen(tokens);
      const inner = sequence.evaluateWithMetadata(tokens, metadata, options);
      let input: void | Token | Token[] = undefined;
      try {
        while (true) {
          const step = await inner.next(input);
          if (step.done) return;
          const item = step.value as SampledToken;
          sampled.push({ token: item.token, lp: reader.read(item) });
          input = yield item.token;
          reader.seen(input == null ? [item.token] : Array.isArray(input) ? input : [input]);
        }
      } finally {
        await inner.return();
      }
    };
    const own = Object.getOwnPropertyDescriptor(sequence, "evaluate");
    sequence.evaluate = evaluate;
    return () => {
      if (own) Object.defineProperty(sequence, "evaluate", own);
      else delete (sequence as Partial<Pick<LlamaContextSequence, "evaluate">>).evaluate;
    };
  }

  /** A text chunk: its tokens' log-probabilities, also kept in `content`. */
  text(tokens: readonly Token[], text: string): TokenLogprob[] {
    const { entries, cut } = this.match(tokens);
    const out = entries.map((e) => e.lp);
    if (!cut && out.length) this.readAsAnswer(out, entries[0].token, text);
    this.content.push(...out);
    return out;
  }

  /** Tokens LlamaChat put in another segment (thinking): passed over. */
  skip(tokens: readonly Token[]): void {
    this.match(tokens);
  }

  /**
   * LlamaChat detokenizes the answer's first piece without the prompt before it, so a
   * SentencePiece word-start token loses its leading space there ("▁Hi" reads "Hi"); the
   * token then reads as the answer does, so that the tokens still add up to it.
   */
  private readAsAnswer(out: TokenLogprob[], first: Token, text: string): void {
    const joined = out.map((e) => e.token).join("");
    const extra = joined.length - text.length;
    if (extra <= 0 || !joined.endsWith(text) || out[0].token.length < extra || !/^\s+$/.test(joined.slice(0, extra))) return;
    const token = out[0].token.slice(extra);
    out[0] = { ...out[0], token, bytes: tokenBytes(this.model, first, token) };
  }

  /** Guards the seam this relies on: an answer with text but nothing recorded means it moved. */
  check(answer: string): void {
    if (answer !== "" && this.sampled.length === 0) {
      throw new FreeholdError("internal", "chat logprobs: node-llama-cpp no longer samples through sequence.evaluate");
    }
  }

  /**
   * Matches tokens to the sampled ones in order, passing over sampled tokens that made no text.
   * Where a stop trigger or segment marker began or ended inside a token, LlamaChat re-tokenizes
   * the text beside it, and those tokens were never sampled: such a run stands for the sampled
   * token whose text holds it, reported whole (as /v1/completions reports a token cut by a stop
   * string), or failing that the next one.
   */
  private match(tokens: readonly Token[]): { entries: Sampled[]; cut: boolean } {
    const entries: Sampled[] = [];
    let run: Token[] = [];
    let cut = false;
    const endRun = () => {
      if (run.length === 0) return;
      const text = this.model.detokenize(run, false);
      run = [];
      cut = true;
      let at = this.next;
      while (at < this.sampled.length && !(text && this.sampled[at].lp.token.includes(text))) at++;
      if (at === this.sampled.length) at = this.next;
      if (at < this.sampled.length) {
        entries.push(this.sampled[at]);
        this.next = at + 1;
      }
    };
    for (const token of tokens) {
      let at = this.next;
      while (at < this.sampled.length && this.sampled[at].token !== token) at++;
      if (at === this.sampled.length) {
        run.push(token);
        continue;
      }
      endRun();
      entries.push(this.sampled[at]);
      this.next = at + 1;
    }
    endRun();
    return { entries, cut };
  }
}
