import type { LlamaContext } from "node-llama-cpp";
import { withLock } from "lifecycle-utils";

type Op = () => unknown;
interface Pending { op: Op; done(v: unknown): void; fail(e: unknown): void }
interface Hooked { _betweenBatches?: () => Promise<void>; dispatchPendingBatch?: () => void }

/**
 * Runs work on a context's memory (KV cells of sequences nobody is decoding) where no decode is
 * in flight, without waiting for every stream on the context to end.
 *
 * node-llama-cpp's decode loop holds the context's lock for as long as any sequence has a decode
 * queued, which under steady load is always; its own memory operations (erasing a sequence's
 * tail, copying one sequence into another) take that lock and so wait for the load to stop.
 * patches/node-llama-cpp+3.22.1.patch gives the loop a hook awaited before each batch: queued
 * work runs there, between two decodes. When no loop runs, a waiter on the lock runs it (while
 * the loop runs it waits behind it, and finds nothing left).
 */
export class BetweenDecodes {
  private readonly pending: Pending[] = [];
  private waiting = false;

  private constructor(private readonly context: LlamaContext) {
    (context as unknown as Hooked)._betweenBatches = () => this.drain();
  }

  /**
   * Undefined when the installed node-llama-cpp lacks the hook (the patch was not applied), or
   * `lockShared` is false: this module's lifecycle-utils is not node-llama-cpp's (clearing.ts
   * probes it), so holding "the lock" here would not keep its decodes out.
   */
  static attach(context: LlamaContext, lockShared: boolean): BetweenDecodes | undefined {
    if (!lockShared) return undefined;
    const dispatch = (Object.getPrototypeOf(context) as Hooked).dispatchPendingBatch;
    if (typeof dispatch !== "function" || !dispatch.toString().includes("_betweenBatches")) return undefined;
    return new BetweenDecodes(context);
  }

  /** Runs `op` at the next point where no decode is in flight; resolves with what it returns. */
  run<T>(op: () => T | Promise<T>): Promise<T> {
    return new Promise<T>((done, fail) => {
      this.pending.push({ op, done: done as (v: unknown) => void, fail });
      this.wait();
    });
  }

  private async drain(): Promise<void> {
    while (this.pending.length) {
      const { op, done, fail } = this.pending.shift()!;
      try {
        done(await op());
      } catch (e) {
        fail(e);
      }
    }
  }

  private wait(): void {
    if (this.waiting) return;
    this.waiting = true;
    void withLock([this.context, "context"], () => this.drain()).finally(() => {
      this.waiting = false;
      if (this.pending.length) this.wait();
    });
  }
}
