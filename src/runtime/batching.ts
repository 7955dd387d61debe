import type { BatchItem, CustomBatchingPrioritizationStrategy, LlamaContext, PrioritizedBatchItem } from "node-llama-cpp";
import type { SequenceClearer } from "./clearing.ts";

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
  /** Times the context's LoRA adapters were changed between two batches. */
  adapterSwitches: number;
}

interface QueuedDecode { sequenceId: number; tokens: unknown }

/** LoRA adapters a request's tokens are decoded with: node-llama-cpp's native adapter objects and their scales. */
export interface AdapterSet { key: string; loras: unknown[]; scales: number[] }
export const NO_ADAPTERS: AdapterSet = { key: "", loras: [], scales: [] };

interface NativeContext { setLoras(loras: unknown[], scales: number[]): void }

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
 * 3. Prompts in chunks, first come first served (`schedule`), between the generating streams'
 *    tokens.
 * 4. Finished sequences cleared between decodes (clearing.ts): this callback runs where the
 *    decode loop holds the context's lock and no decode is in flight.
 * 5. LoRA adapters per batch, as llama-server applies them: llama.cpp sets adapters on a context,
 *    for a whole decode, so a batch holds only sequences with one adapter set (`assign`), the
 *    adapters set on the context before it goes (a switch makes llama.cpp reserve its compute
 *    graph again), and with several sets waiting, turns of ADAPTER_TURN batches. One
 *    context (one KV cache) serves the base weights and every adapter of them.
 *
 * Measured (1.1B shape, 4 streams × 2 requests × 64 tokens): 448 micro-batches → 131, the
 * minimum being 128; tokens/s in BENCHMARKS.md (serving). node-llama-cpp's batch items carry no
 * sequence id; the context's queue (read, never written) is the source, matched item by item, and
 * when it does not match the batch goes out in queue order and is counted in `unordered`.
 */
export class Batcher {
  readonly stats: BatchStats = { batches: 0, items: 0, unordered: 0, adapterSwitches: 0 };
  private context?: LlamaContext;
  private clearer?: SequenceClearer;
  /** Sequences that got a sampled token in the last batch: each will queue again unless it ended. */
  private expected = new Set<number>();
  private holds = 0;
  /** Sequences decoded with adapters (the rest: none), and what the context has set now. */
  private readonly adapters = new Map<number, AdapterSet>();
  private applied = NO_ADAPTERS.key;
  private lastSet = NO_ADAPTERS.key;
  /** Batches in a row decoded with lastSet. */
  private streak = 0;

  constructor(private readonly promptChunk = DEFAULT_PROMPT_CHUNK) {}

  attach(context: LlamaContext, clearer?: SequenceClearer): void {
    this.context = context;
    this.clearer = clearer;
  }

  /** The adapters a sequence's tokens are decoded with, from now on (its request's). */
  assign(sequenceId: number, set: AdapterSet): void {
    if (set.key) this.adapters.set(sequenceId, set);
    else this.adapters.delete(sequenceId);
  }

  readonly strategy: CustomBatchingPrioritizationStrategy = ({ items, size }) => {
    this.clearer?.atSafePoint();
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
    const set = this.adapterTurn(ids);
    // Chosen in queue order (prompts first come, first served), dispatched in sequence id order.
    const amounts = schedule(items.map((item, i) => (set && this.setOf(ids![i]) !== set ? 0 : item.tokens.length)), size, this.promptChunk);
    const order = items.map((item, i) => ({ item, id: ids?.[i] ?? -1, n: amounts[i] }));
    if (ids) order.sort((a, b) => a.id - b.id);
    else this.stats.unordered++;
    const batch: PrioritizedBatchItem[] = [];
    this.expected.clear();
    for (const { item, id, n } of order) {
      if (n <= 0) continue;
      batch.push({ item, processAmount: n });
      // Its last token is decoded and sampled in this batch: its next one will follow.
      if (ids && n === item.tokens.length && item.logits[n - 1]) this.expected.add(id);
    }
    this.stats.batches++;
    this.stats.items += batch.length;
    return batch;
  };

  private setOf(id: number): AdapterSet {
    return this.adapters.get(id) ?? NO_ADAPTERS;
  }

  /**
   * With adapters in use, the set this batch decodes with (the next one after the last batch's,
   * among those waiting), set on the context; undefined when no sequence uses adapters and none are set.
   */
  private adapterTurn(ids: number[] | undefined): AdapterSet | undefined {
    if (!this.adapters.size && !this.applied) return undefined;
    if (!ids) {
      // Unreachable while the queue lines up (node-llama-cpp pinned, tests): without ids a batch could mix sets.
      this.stats.unordered++;
      return undefined;
    }
    const waiting = new Map<string, AdapterSet>();
    for (const id of ids) { const s = this.setOf(id); waiting.set(s.key, s); }
    const keys = [...waiting.keys()].sort();
    const stay = waiting.has(this.lastSet) && this.streak < ADAPTER_TURN;
    const next = stay ? this.lastSet : keys.find((k) => k > this.lastSet) ?? keys[0];
    this.streak = next === this.lastSet ? this.streak + 1 : 1;
    const set = waiting.get(next)!;
    if (set.key !== this.applied) {
      (this.context as unknown as { _ctx: NativeContext })._ctx.setLoras(set.loras, set.scales);
      this.applied = set.key;
      this.stats.adapterSwitches++;
    }
    this.lastSet = set.key;
    return set;
  }

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
 * Batches in a row one adapter set decodes while another waits: a switch makes llama.cpp reserve
 * its compute graph again. Measured in-process (1.1B shape, Q4_0, 2 clients on the base weights
 * and 2 on an adapter, 64 tokens each, 2026-11-25): switching every batch 27-29 tokens/s
 * (128 switches), every 8th 31.5 (16), never 32; the other set's streams wait at most 8 decodes.
 */
export const ADAPTER_TURN = 8;

/**
 * Prompt tokens one decode step takes while other streams are generating. A step costs about
 * one forward pass per generating stream plus the chunk's prompt work (≈5 ms a token for the
 * 1.1B shape on 2 cores): 128 tokens hold every stream up ~0.6 s at a time, and the decode pass
 * adds under a tenth to the prompt's own time.
 */
export const DEFAULT_PROMPT_CHUNK = 128;
/**
 * While prompts wait, a step's prompt tokens are at least this many times its generating
 * streams' tokens: each stream's token costs about as much compute as a prompt token, so with
 * 128-token chunks 15 streams took ~12% of every step and the last prompt of a burst got its
 * first token that much later than under llama-server, which runs prompts before anything else.
 * With this, streams take at most ~3% of a step. Measured (1.1B shape, ~250-token prompts, 2
 * rounds, p95 first-token time against llama-server's): 1.03x → 1.01x at 8 clients, 1.03x → 1.00x
 * at 16; the median went 3.3 → 4.5 s at 8 (llama-server: 15.8 s), unchanged at 16.
 */
export const PROMPT_SHARE = 32;

/**
 * How many tokens of each queued item (in queue order, `needs` = tokens each has left) one
 * decode step takes. Streams that are generating (one token each) always go; prompts are served
 * first come, first served, within the batch. While any stream is generating, a long prompt
 * (more than `chunk` tokens left) takes at most what is left of `chunk` this step: it delays the
 * other streams one chunk at a time instead of stalling them for all of it, and prompts finish
 * in arrival order instead of all together at the end. A short prompt (at most `chunk`) goes
 * whole: prompts that arrive together (clients in step) finish together in one step, as in
 * llama-server, rather than one chunk per step with every generating stream's token between
 * them, which only made the last of them later (p95 first-token time 3.8 s against
 * llama-server's 3.0 s at 8 clients with ~40-token prompts). With many streams generating, the
 * chunk grows (PROMPT_SHARE). Nothing generating: the whole batch.
 */
export function schedule(needs: number[], size: number, chunk: number): number[] {
  const amounts = needs.map(() => 0);
  let left = size;
  for (const [i, n] of needs.entries()) {
    if (n === 1 && left > 0) {
      amounts[i] = 1;
      left--;
    }
  }
  const generating = size - left;
  let budget = generating > 0 ? Math.max(chunk, PROMPT_SHARE * generating) : Infinity; // what long prompts may take this step
  for (const [i, n] of needs.entries()) {
    if (left <= 0) break;
    if (n <= 1) continue;
    const take = n <= chunk ? Math.min(n, left) : Math.min(n, left, Math.max(0, budget));
    if (take <= 0) continue;
    amounts[i] = take;
    left -= take;
    budget -= take;
  }
  return amounts;
}
