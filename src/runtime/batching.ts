import type { BatchItem, CustomBatchingPrioritizationStrategy, LlamaContext, PrioritizedBatchItem } from "node-llama-cpp";

/**
 * How many times in a row a batch may be held back for a sequence that is still on its way (see
 * `Batcher`). Measured: 3-4 rounds gather every stream of a completion or a chat; a sequence that
 * ended costs this many rounds once (microseconds), then the batch goes without it.
 */
const MAX_HOLDS = 64;

/** What one context has dispatched, for tests and gauges. */
export interface BatchStats {
  /** Batches handed to llama.cpp: one `llama_decode` each. */
  batches: number;
  /** Sequence items in them: items / batches is how many streams share a decode. */
  items: number;
  /** Batches that could not be ordered by sequence id (node-llama-cpp's internals changed). */
  unordered: number;
}

interface QueuedDecode { sequenceId: number; tokens: unknown }

/**
 * node-llama-cpp's batch strategy for one context (`batching.itemPrioritizationStrategy`, called
 * each time its dispatch loop builds a batch). Two things make parallel sequences share a decode:
 *
 * 1. Order by sequence id. With one KV stream per sequence (node-llama-cpp's contexts are never
 *    unified), llama.cpp puts only sequences with consecutive, increasing ids into one micro-batch
 *    (`split_equal(..., sequential)`); in queue order, streams that re-queued out of order were
 *    decoded one forward pass each.
 * 2. Wait for every stream. The loop re-checks its queue right after a decode, while the streams
 *    it just served are still a few promise hops from queueing their next token, so it decoded the
 *    one or two that were back and left the rest for another pass. When a sequence that got a
 *    token in the last batch is missing, this returns an empty batch: node-llama-cpp then skips the
 *    decode and goes round again after a microtask turn, by which time the others have queued
 *    (bounded by MAX_HOLDS). `batching.dispatchSchedule` cannot do this: it is consulted only
 *    when no dispatch loop is running.
 *
 * Measured (1.1B shape, 4 streams × 2 requests × 64 tokens): 448 micro-batches → 131, the
 * minimum being 128; tokens/s in BENCHMARKS.md (serving). node-llama-cpp's batch items carry no
 * sequence id; the context's queue (read, never written) is the source, matched item by item, and
 * when it does not match the batch goes out in queue order and is counted in `unordered`.
 */
export class Batcher {
  readonly stats: BatchStats = { batches: 0, items: 0, unordered: 0 };
  private context?: LlamaContext;
  /** Sequences that got a sampled token in the last batch: each will queue again unless it ended. */
  private expected = new Set<number>();
  private holds = 0;

  attach(context: LlamaContext): void {
    this.context = context;
  }

  readonly strategy: CustomBatchingPrioritizationStrategy = ({ items, size }) => {
    if (items.length === 0) return [];
    const ids = this.sequenceIds(items);
    if (ids && this.holds < MAX_HOLDS) {
      const queued = new Set(ids);
      for (const id of this.expected) {
        if (!queued.has(id)) {
          this.holds++;
          return [];
        }
      }
    }
    this.holds = 0;
    const order = items.map((item, i) => ({ item, id: ids?.[i] ?? -1 }));
    if (ids) order.sort((a, b) => a.id - b.id);
    else this.stats.unordered++;
    const amounts = share(order.map((o) => o.item.tokens.length), size);
    const batch: PrioritizedBatchItem[] = [];
    this.expected.clear();
    for (const [i, { item, id }] of order.entries()) {
      const n = amounts[i];
      if (n <= 0) continue;
      batch.push({ item, processAmount: n });
      // Its last token is decoded and sampled in this batch: its next one will follow.
      if (ids && n === item.tokens.length && item.logits[n - 1]) this.expected.add(id);
    }
    this.stats.batches++;
    this.stats.items += batch.length;
    return batch;
  };

  /** The sequence id of each item, or undefined if the context's queue does not line up. */
  private sequenceIds(items: readonly BatchItem[]): number[] | undefined {
    const queue = (this.context as unknown as { _queuedDecodes?: QueuedDecode[] } | undefined)?._queuedDecodes;
    if (!Array.isArray(queue) || queue.length !== items.length) return undefined;
    const ids: number[] = [];
    for (const [i, q] of queue.entries()) {
      if (q?.tokens !== items[i].tokens || typeof q.sequenceId !== "number") return undefined;
      ids.push(q.sequenceId);
    }
    return ids;
  }
}

/**
 * Splits `size` token slots over items needing `needs` tokens: each gets what it needs or an
 * equal share of what is left, so one long prompt cannot starve the streams decoding one token.
 */
export function share(needs: number[], size: number): number[] {
  const amounts = needs.map(() => 0);
  let left = size;
  const byNeed = needs.map((_, i) => i).sort((a, b) => needs[a] - needs[b]);
  for (const [k, i] of byNeed.entries()) {
    amounts[i] = Math.min(needs[i], Math.floor(left / (byNeed.length - k)));
    left -= amounts[i];
  }
  for (const i of byNeed) {
    if (left <= 0) break;
    const more = Math.min(needs[i] - amounts[i], left);
    amounts[i] += more;
    left -= more;
  }
  return amounts;
}
