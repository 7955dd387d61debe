import { FreeholdError } from "../errors.ts";

interface Waiter<T> {
  resolve: (item: T) => void;
  reject: (e: unknown) => void;
  signal?: AbortSignal;
  onAbort: () => void;
  group: string;
}

/**
 * A fixed set of items (a context's sequences) handed out one per request, with a bounded FIFO
 * queue behind them. A full queue refuses at once with `rate_limited` and a retry hint taken
 * from how long items are usually held; an aborted waiter leaves the queue immediately.
 * Free items are handed out so that busy ones stay consecutive in `items` order (packedOrder):
 * llama.cpp batches only sequences with consecutive ids together (see batching.ts). With groups
 * (requests that can share a batch: one LoRA adapter set), consecutive within the group.
 */
export class Slots<T> {
  private readonly free: T[];
  private readonly waiters: Waiter<T>[] = [];
  private readonly heldSince = new Map<T, number>();
  /** The group each held item was taken for. */
  private readonly heldGroup = new Map<T, string>();
  /** Moving average of how long an item is held, for the retry hint. */
  private holdMs = 1000;

  private readonly rank: Map<T, number>;

  constructor(items: T[], private readonly queueLimit: number, private readonly label: string) {
    this.free = [...items];
    this.rank = new Map(items.map((item, i) => [item, i]));
  }

  get busy(): number { return this.heldSince.size; }
  /** Whether each item, in the order given, is held now. */
  held(): boolean[] { return [...this.rank.keys()].map((item) => this.heldSince.has(item)); }
  get queued(): number { return this.waiters.length; }
  get capacity(): number { return this.free.length + this.heldSince.size; }

  /**
   * A free item now, else a place in the queue. `preference` orders the free items (lower first;
   * undefined: packedOrder, with `tieBreak` choosing among items it ranks alike, lower first); a
   * queued request takes whichever item is released next.
   */
  acquire(signal?: AbortSignal, preference?: (item: T) => number | undefined, tieBreak?: (item: T) => number, group = ""): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.free.length > 0 && this.waiters.length === 0) return Promise.resolve(this.take(this.takeFirstFree(preference, tieBreak, group), group));
    if (this.waiters.length >= this.queueLimit) {
      const retryAfterSeconds = Math.max(1, Math.ceil((this.holdMs * (this.waiters.length + 1)) / Math.max(1, this.capacity) / 1000));
      return Promise.reject(new FreeholdError("rate_limited",
        `${this.label}: all ${this.capacity} sequences are busy and ${this.waiters.length} requests are queued; retry in ~${retryAfterSeconds}s`,
        { retryAfterSeconds }));
    }
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve, reject, signal, group,
        onAbort: () => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
          reject(signal!.reason);
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Returns an item; the longest-waiting request gets it directly. */
  release(item: T): void {
    const since = this.heldSince.get(item);
    if (since === undefined) return;
    this.heldSince.delete(item);
    this.heldGroup.delete(item);
    this.holdMs = this.holdMs * 0.8 + (performance.now() - since) * 0.2;
    const next = this.waiters.shift();
    if (!next) {
      this.free.push(item);
      return;
    }
    next.signal?.removeEventListener("abort", next.onAbort);
    next.resolve(this.take(item, next.group));
  }

  /** Fails every queued request (used when the model is unloaded under them). */
  rejectWaiting(error: unknown): void {
    for (const w of this.waiters.splice(0)) {
      w.signal?.removeEventListener("abort", w.onAbort);
      w.reject(error);
    }
  }

  /** Takes a particular free item out of circulation as if acquired; false if it is not free. */
  takeFree(item: T, group = ""): boolean {
    const at = this.free.indexOf(item);
    if (at < 0) return false;
    this.free.splice(at, 1);
    this.take(item, group);
    return true;
  }

  private takeFirstFree(preference: ((item: T) => number | undefined) | undefined, tieBreak: ((item: T) => number) | undefined, group: string): T {
    const packed = this.packedOrder(group);
    const order = (item: T) => preference?.(item) ?? packed(item);
    const before = (a: T, b: T) => {
      const oa = order(a), ob = order(b);
      if (oa !== ob) return oa < ob;
      const ta = tieBreak?.(a) ?? 0, tb = tieBreak?.(b) ?? 0;
      return ta !== tb ? ta < tb : this.rank.get(a)! < this.rank.get(b)!;
    };
    let best = 0;
    for (let i = 1; i < this.free.length; i++) if (before(this.free[i], this.free[best])) best = i;
    return this.free.splice(best, 1)[0];
  }

  /**
   * With items held: a free one between held ones first (it closes a gap), then the nearest
   * outside them; alike, the tie-break's choice, then the lowest (`items` order, also with none
   * held). Held items stay consecutive when they can, which llama.cpp needs to decode their
   * sequences together (batching.ts).
   */
  private packedOrder(group: string): (item: T) => number {
    let lo = Infinity, hi = -Infinity;
    for (const item of this.heldSince.keys()) {
      if (this.heldGroup.get(item) !== group) continue;
      const r = this.rank.get(item)!;
      if (r < lo) lo = r;
      if (r > hi) hi = r;
    }
    return (item) => {
      const r = this.rank.get(item)!;
      // A group's first item from the top, where the default group (the base weights) starts from the bottom: the two stay apart.
      if (lo === Infinity && group) return this.rank.size - r;
      if (lo === Infinity || (r > lo && r < hi)) return 0; // none held, or in a gap
      return r < lo ? lo - r : r - hi; // how far outside the held ones
    };
  }

  private take(item: T, group: string): T {
    this.heldSince.set(item, performance.now());
    this.heldGroup.set(item, group);
    return item;
  }
}
