import type { LlamaContextSequence } from "node-llama-cpp";
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
 * Kept narrow on purpose:
 * - reused only while the context is otherwise idle: erasing a cached tail takes the context's
 *   lock, which node-llama-cpp's decode loop holds while any stream generates;
 * - under load a request takes the lowest free sequence id, kept or not (a kept one is cleared
 *   first, between decodes: clearing.ts): llama.cpp decodes only sequences with consecutive ids
 *   together (batching.ts), and a kept sequence passed over would split every decode in two;
 * - only for the same scope (API key, web user, or "open" on a keyless server): a cached prefix
 *   answers sooner, and another caller could time that to learn what was asked;
 * - only chats (LlamaChat adapts the sequence to the prompt) and completions (complete.ts,
 *   reusePrefix); next-token evals, scored prompts and unscoped requests get empty sequences.
 */
export class PromptCache {
  /** Sequences holding a finished request's tokens, with its scope; oldest first. */
  private readonly kept = new Map<LlamaContextSequence, string>();

  constructor(
    private readonly slots: Slots<LlamaContextSequence>,
    /** Empties a sequence (clearing.ts: without waiting for the other streams to end). */
    private readonly clearSequence: (sequence: LlamaContextSequence) => Promise<void> = (s) => s.clearHistory(),
  ) {}

  /**
   * Waits for a sequence: on an idle context, the scope's kept sequence that shares the longest
   * start with `prompt` (the most recent one without a prompt); else an empty one. Kept sequences
   * are handed to other requests last while idle, in id order under load, and cleared first.
   */
  async lease(signal: AbortSignal | undefined, scope: string | undefined, prompt?: readonly number[]): Promise<LlamaContextSequence> {
    const idle = this.slots.busy === 0;
    const reuse = idle && scope !== undefined ? this.best(scope, prompt) : undefined;
    if (reuse && this.slots.takeFree(reuse)) {
      this.kept.delete(reuse);
      return reuse;
    }
    const age = [...this.kept.keys()];
    const sequence = await this.slots.acquire(signal, idle && age.length ? (s) => (this.kept.has(s) ? 1e6 + age.indexOf(s) : undefined) : undefined);
    if (this.kept.delete(sequence)) await this.clearSequence(sequence).catch(() => undefined);
    return sequence;
  }

  /**
   * Returns a sequence: kept with its tokens for `scope` when it alone was running and nobody
   * waits, else cleared (the next request must not see these tokens) and then freed.
   */
  async release(sequence: LlamaContextSequence, scope: string | undefined): Promise<void> {
    if (scope !== undefined && this.slots.busy === 1 && this.slots.queued === 0) {
      this.kept.delete(sequence);
      this.kept.set(sequence, scope);
      this.slots.release(sequence);
      return;
    }
    this.kept.delete(sequence);
    await this.clearSequence(sequence).catch(() => undefined);
    this.slots.release(sequence);
  }

  /** The scope's kept sequence sharing the most tokens with the prompt's start (more than a BOS), or its latest without a prompt. */
  private best(scope: string, prompt: readonly number[] | undefined): LlamaContextSequence | undefined {
    let best: LlamaContextSequence | undefined, bestShared = 1;
    for (const [sequence, owner] of this.kept) {
      if (owner !== scope) continue;
      if (!prompt) { best = sequence; continue; } // the latest wins
      const shared = commonPrefix(sequence.contextTokens, prompt);
      if (shared > bestShared || (shared === bestShared && best)) { best = sequence; bestShared = shared; }
    }
    return best;
  }
}

function commonPrefix(a: readonly number[], b: readonly number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
