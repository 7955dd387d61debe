import { Gauge, type Registry } from "prom-client";
import type { ModelStatus, PoolStats } from "../runtime/index.ts";

/** The part of the runtime the gauges read; cheap, synchronous snapshots. */
export interface RuntimeView {
  ps(): ModelStatus[];
  stats(): PoolStats;
}

/**
 * Gauges computed at scrape time from the runtime's own state, so they can never drift from it
 * (nothing to increment and forget to decrement when a request fails or a client disconnects).
 */
export function runtimeGauges(registry: Registry, runtime: RuntimeView): void {
  const perModel = (name: string, help: string, value: (s: ModelStatus) => number) =>
    new Gauge({
      name, help, labelNames: ["model"] as const, registers: [registry],
      collect() {
        this.reset(); // unloaded models must disappear, not keep their last value
        const sums = new Map<string, number>();
        for (const s of runtime.ps()) sums.set(s.name, (sums.get(s.name) ?? 0) + value(s));
        for (const [model, v] of sums) this.set({ model }, v);
      },
    });
  perModel("freehold_queue_depth", "Requests waiting for a free sequence", (s) => s.queueDepth);
  perModel("freehold_active_sequences", "Sequences generating right now", (s) => s.busySequences);
  perModel("freehold_sequences", "Sequences (parallel slots) the loaded model has", (s) => s.sequences);
  perModel("freehold_model_loaded", "1 when the model is loaded, 0 while loading", (s) => (s.loading ? 0 : 1));
  perModel("freehold_model_memory_bytes", "Memory held by a loaded model (measured, else predicted)", (s) => s.actualBytes || s.predictedBytes);

  const pool = (name: string, help: string, value: (p: PoolStats) => number) =>
    new Gauge({ name, help, registers: [registry], collect() { this.set(value(runtime.stats())); } });
  pool("freehold_memory_budget_bytes", "Memory the runtime may use for models", (p) => p.budgetBytes);
  pool("freehold_memory_reserved_bytes", "Predicted memory of every loaded or loading model", (p) => p.reservedBytes);
  pool("freehold_loaded_models", "Models in memory", (p) => p.loadedModels);
}
