import type { LlamaContextSequence } from "node-llama-cpp";
import type { PrefixReuse } from "./prefixReuse.ts";
import type { Slots } from "./slots.ts";

/**
 * Prompt caching for conversations (and completions), per context. When a chat ends and nothing
 * else runs on its context, its sequence keeps its tokens (the KV cache) instead of being cleared,
 * and a later request of the same caller that starts with those tokens gets that sequence back:
 * node-llama-cpp's LlamaChat erases the cached tokens past the longest common prefix and evaluates
 * only the rest, so the next turn of a conversation costs its new message instead of the whole
 * history again.
 *
 * Several sequences can be kept, one per conversation, so a caller's chat and editor (or two
 * people taking turns on a quiet server) do not evict each other: the KV cells of every sequence
 * are allocated with the context, so a kept sequence costs nothing until a request needs it.
 *
 * Under load (other streams generating) a request takes the free sequence that keeps busy ids
 * consecutive, kept or not: llama.cpp decodes only sequences with consecutive ids together
 * (batching.ts), and a kept sequence passed over would split every decode in two. Its scope's
 * kept tokens still serve it, between two decodes (prefixReuse.ts): the kept sequence cut to the
 * prefix the prompt shares when it is the one given, else that prefix copied into the one given
 * (node-llama-cpp's own erase and copy take the context's lock, which its decode loop holds while
 * any stream generates). Without that (node-llama-cpp unpatched), kept sequences serve only an
 * idle context, and are kept only when a request ends alone.
 *
 * Kept narrow on purpose:
 * - only for the same scope (API key, web user, or "open" on a keyless server): a cached prefix
 *   answers sooner, and another caller could time that to learn what was asked;
 * - only chats (LlamaChat adapts the sequence to the prompt) and completions (complete.ts,
 *   reusePrefix); next-token evals, scored prompts and unscoped requests get empty sequences.
 */
/** llama-server's --slot-prompt-similarity default: a kept sequence is reused when the prompt continues at least this share of it. */
const REUSE_SHARE = 0.5;
/** Under load, a shared prefix shorter than this is evaluated again rather than copied (a copy moves the whole cache buffer). */
const MIN_COPY = 16;

export class PromptCache {
  /** Sequences holding a finished request's tokens, with its scope; oldest first. */
  private readonly kept = new Map<LlamaContextSequence, string>();

  constructor(
    private readonly slots: Slots<LlamaContextSequence>,
    /** Empties a sequence (clearing.ts: without waiting for the other streams to end). */
    private readonly clearSequence: (sequence: LlamaContextSequence) => Promise<void> = (s) => s.clearHistory(),
    /** Cuts and copies kept sequences between decodes (prefixReuse.ts); without it, kept ones serve only an idle context. */
    private readonly reuse?: PrefixReuse,
  ) {}

  /**
   * Waits for a sequence: on an idle context, the scope's kept sequence whose tokens the prompt
   * mostly continues (REUSE_SHARE; the most recent one without a prompt), else an empty one, else
   * the kept one sharing the most with the prompt. Kept sequences go to other callers last while
   * idle and in id order under load, cleared first.
   */
  async lease(signal: AbortSignal | undefined, scope: string | undefined, prompt?: readonly number[], group = ""): Promise<LlamaContextSequence> {
    const idle = this.slots.busy === 0;
    const shared = new Map<LlamaContextSequence, number>();
    if (idle && scope !== undefined) {
      for (const [sequence, owner] of this.kept) if (owner === scope) shared.set(sequence, prompt ? commonPrefix(sequence.contextTokens, prompt) : Infinity);
      const reuse = this.continued(shared);
      if (reuse && this.slots.takeFree(reuse, group)) {
        this.kept.delete(reuse);
        return reuse;
      }
    }
    const age = [...this.kept.keys()];
    const preference = (s: LlamaContextSequence) => {
      if (!this.kept.has(s)) return undefined;
      const n = shared.get(s);
      return n !== undefined ? 1e9 - Math.min(n, 1e6) : 2e9 + age.indexOf(s);
    };
    const sequence = await this.slots.acquire(signal, idle && age.length ? preference : undefined, idle || !age.length ? undefined : this.keptLast(age, scope, prompt), group);
    if (idle) {
      // The scope's own tokens may stay (the chat erases past what it shares); anyone else's may not.
      if (this.kept.delete(sequence) && !shared.has(sequence)) await this.clearSequence(sequence).catch(() => undefined);
      return sequence;
    }
    return this.underLoad(sequence, scope, prompt);
  }

  /**
   * Under load, among the free sequences that keep busy ids equally consecutive: the caller's kept
   * one its prompt continues (nothing to copy), then an empty one, then others' kept ones, oldest
   * first, so caches next to the busy ones are not the first given away.
   */
  private keptLast(age: LlamaContextSequence[], scope: string | undefined, prompt: readonly number[] | undefined): (s: LlamaContextSequence) => number {
    let own: LlamaContextSequence | undefined;
    if (this.reuse && scope !== undefined && prompt && prompt.length > 1) {
      const shared = new Map<LlamaContextSequence, number>();
      for (const [s, o] of this.kept) if (o === scope) shared.set(s, Math.min(commonPrefix(s.contextTokens, prompt), prompt.length - 1));
      own = this.continued(shared);
    }
    return (s) => (s === own ? -1 : this.kept.has(s) ? 1 + age.indexOf(s) : 0);
  }

  /**
   * Under load the sequence is the one that keeps busy ids consecutive, and it must hold nothing
   * or a prefix of the prompt when the chat gets it: erasing a tail takes the context's lock, which
   * the decode loop holds while anything generates. The scope's kept sequence the prompt continues
   * furthest (as when idle) is cut to the shared prefix, between decodes, when it is the one given;
   * otherwise its prefix is copied into the one given. Anything else it held is cleared.
   */
  private async underLoad(sequence: LlamaContextSequence, scope: string | undefined, prompt: readonly number[] | undefined): Promise<LlamaContextSequence> {
    const owner = this.kept.get(sequence);
    this.kept.delete(sequence);
    if (this.reuse && scope !== undefined && prompt && prompt.length > 1) {
      const shared = new Map<LlamaContextSequence, number>();
      // At most all but the prompt's last token: that one is evaluated for the answer's first.
      const usable = (s: LlamaContextSequence) => Math.min(commonPrefix(s.contextTokens, prompt), prompt.length - 1);
      for (const [s, o] of this.kept) if (o === scope) shared.set(s, usable(s));
      if (owner === scope) shared.set(sequence, usable(sequence));
      const from = this.continued(shared);
      const n = from ? shared.get(from)! : 0;
      if (from === sequence) {
        if (await this.reuse.trim(sequence, n).catch(() => false)) return sequence;
      } else if (from && n >= MIN_COPY) {
        if (await this.reuse.copy(from, sequence, n).catch(() => false)) return sequence;
      }
    }
    if (owner !== undefined || sequence.contextTokens.length > 0) await this.clearSequence(sequence).catch(() => undefined);
    return sequence;
  }

  /**
   * The kept sequence the prompt continues furthest, if the prompt takes at least REUSE_SHARE of
   * its tokens: a conversation sharing only a system prompt with another gets an empty sequence
   * instead, and the other keeps its cache.
   */
  private continued(shared: Map<LlamaContextSequence, number>): LlamaContextSequence | undefined {
    let best: LlamaContextSequence | undefined, bestShared = 0;
    for (const [sequence, n] of shared) {
      if (n < 2 || n < REUSE_SHARE * sequence.contextTokens.length) continue;
      if (n >= bestShared) { best = sequence; bestShared = n; } // on a tie the more recent
    }
    return best;
  }

  /**
   * Cuts a held sequence to its first n tokens: between two decodes when prefixes can be reused
   * under load, else under the context's lock (which waits for the context's other decodes to stop).
   */
  async trim(sequence: LlamaContextSequence, n: number): Promise<void> {
    if (n >= sequence.nextTokenIndex) return;
    if (this.reuse && (await this.reuse.trim(sequence, n).catch(() => false))) return;
    if (n < sequence.nextTokenIndex) await sequence.eraseContextTokenRanges([{ start: n, end: sequence.nextTokenIndex }]);
  }

  /**
   * Returns a sequence: kept with its tokens for `scope` (when prefixes can be reused under load,
   * always; else only when it alone was running and nobody waits), or cleared (the next request
   * must not see these tokens) and then freed. A kept sequence another caller gets is cleared first.
   */
  async release(sequence: LlamaContextSequence, scope: string | undefined): Promise<void> {
    if (scope !== undefined && ((this.slots.busy === 1 && this.slots.queued === 0) || this.reuse)) {
      this.kept.delete(sequence);
      this.kept.set(sequence, scope);
      this.slots.release(sequence);
      return;
    }
    this.kept.delete(sequence);
    await this.clearSequence(sequence).catch(() => undefined);
    this.slots.release(sequence);
  }
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
