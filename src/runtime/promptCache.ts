import type { LlamaContextSequence } from "node-llama-cpp";
import type { Slots } from "./slots.ts";

/**
 * Prompt caching for conversations (and completions), one per context. When a chat ends and
 * nothing else runs on its context, its sequence keeps its tokens (the KV cache) instead of being cleared, and the
 * same caller's next chat gets that sequence back: node-llama-cpp's LlamaChat erases the cached
 * tokens past the longest common prefix and evaluates only the rest, so the next turn of a
 * conversation costs its new message instead of the whole history again.
 *
 * Kept narrow on purpose:
 * - one sequence per context, and only while the context is otherwise idle: erasing a cached
 *   tail takes the context's lock, which node-llama-cpp's decode loop holds while any stream
 *   generates, so under load every freed sequence is cleared (between decodes, clearing.ts);
 * - only for the same scope (API key, web user, or "open" on a keyless server): a cached prefix
 *   answers sooner, and another caller could time that to learn what was asked;
 * - only chats (LlamaChat adapts the sequence to the prompt) and completions (complete.ts,
 *   reusePrefix); next-token evals, scored prompts and unscoped requests get empty sequences.
 */
export class PromptCache {
  private kept?: { sequence: LlamaContextSequence; scope: string };

  constructor(
    private readonly slots: Slots<LlamaContextSequence>,
    /** Empties a sequence (clearing.ts: without waiting for the other streams to end). */
    private readonly clearSequence: (sequence: LlamaContextSequence) => Promise<void> = (s) => s.clearHistory(),
  ) {}

  /** Waits for a sequence: the kept one if it is this scope's and the context is idle, else an empty one first. */
  async lease(signal: AbortSignal | undefined, scope: string | undefined): Promise<LlamaContextSequence> {
    const kept = this.kept;
    const reusable = kept !== undefined && scope === kept.scope && this.slots.busy === 0;
    // The kept sequence is the last choice of any other request: it must be cleared first.
    const sequence = await this.slots.acquire(signal, kept ? (s) => (s === kept.sequence ? (reusable ? -1 : Infinity) : undefined) : undefined);
    if (sequence === this.kept?.sequence) {
      this.kept = undefined;
      if (!reusable) await this.clearSequence(sequence).catch(() => undefined);
    }
    return sequence;
  }

  /**
   * Returns a sequence: kept with its tokens for `scope` when it alone was running and nobody
   * waits, else cleared (the next request must not see these tokens) and then freed.
   */
  async release(sequence: LlamaContextSequence, scope: string | undefined): Promise<void> {
    if (scope !== undefined && this.slots.busy === 1 && this.slots.queued === 0) {
      const previous = this.kept?.sequence;
      this.kept = { sequence, scope };
      this.slots.release(sequence);
      if (previous && this.slots.takeFree(previous)) await this.clear(previous);
      return;
    }
    await this.clear(sequence);
  }

  private async clear(sequence: LlamaContextSequence): Promise<void> {
    await this.clearSequence(sequence).catch(() => undefined);
    this.slots.release(sequence);
  }
}
