import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { FreeholdError } from "../errors.ts";
import { runtimeGauges, type RuntimeView } from "./runtimeGauges.ts";

/**
 * Freehold's Prometheus metrics, one registry per app (tests run several apps in one process).
 * Request metrics are labelled by route pattern, never the raw URL, so cardinality stays bounded;
 * model labels only ever carry names that resolved to a backend.
 */
export class Metrics {
  readonly registry = new Registry();
  private processMetrics = false;

  readonly httpRequests = new Counter({
    name: "freehold_http_requests_total", help: "HTTP requests answered, by route pattern and status",
    labelNames: ["method", "route", "status"] as const, registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: "freehold_http_request_duration_seconds", help: "Time from request to the end of the response (whole stream included)",
    labelNames: ["method", "route"] as const, registers: [this.registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  });
  readonly generations = new Counter({
    name: "freehold_generations_total", help: "Generations (chat and completions, each choice counted), by outcome",
    labelNames: ["model", "backend", "outcome"] as const, registers: [this.registry],
  });
  readonly promptTokens = new Counter({
    name: "freehold_prompt_tokens_total", help: "Prompt tokens of generations, embeddings and reranking", labelNames: ["model"] as const, registers: [this.registry],
  });
  readonly cachedPromptTokens = new Counter({
    name: "freehold_prompt_cached_tokens_total", help: "Prompt tokens reused from the prompt cache, not evaluated again (counted in freehold_prompt_tokens_total too)",
    labelNames: ["model"] as const, registers: [this.registry],
  });
  readonly predictionTokens = new Counter({
    name: "freehold_prediction_tokens_total",
    help: "Predicted Outputs: drafted tokens the answer kept (accepted) and those evaluated and thrown away (rejected)",
    labelNames: ["model", "outcome"] as const, registers: [this.registry],
  });
  readonly draftTokens = new Counter({
    name: "freehold_draft_tokens_total",
    help: "Speculative decoding with a draft model: drafted tokens the answer kept (accepted) and those the target refuted (rejected)",
    labelNames: ["model", "outcome"] as const, registers: [this.registry],
  });
  readonly generatedTokens = new Counter({
    name: "freehold_generated_tokens_total", help: "Tokens generated", labelNames: ["model"] as const, registers: [this.registry],
  });
  readonly timeToFirstToken = new Histogram({
    name: "freehold_time_to_first_token_seconds", help: "From the gateway receiving a generation (queue and load included) to its first token",
    labelNames: ["model"] as const, registers: [this.registry],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80],
  });
  readonly timePerToken = new Histogram({
    name: "freehold_time_per_output_token_seconds", help: "Mean time between generated tokens after the first, one sample per generation",
    labelNames: ["model"] as const, registers: [this.registry],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5],
  });
  readonly upstreamRequests = new Counter({
    name: "freehold_upstream_requests_total", help: "HTTP requests to upstream engines, by status (\"error\": no response)",
    labelNames: ["upstream", "status"] as const, registers: [this.registry],
  });
  readonly upstreamErrors = new Counter({
    name: "freehold_upstream_errors_total", help: "Failed upstream requests, by Freehold error code",
    labelNames: ["upstream", "code"] as const, registers: [this.registry],
  });

  /** Gauges read from the runtime at scrape time (queue depth, active sequences, memory). */
  watchRuntime(runtime: RuntimeView): void {
    runtimeGauges(this.registry, runtime);
  }

  /** Process CPU, memory, event-loop lag, GC: only in a serving process, not in every CLI command. */
  enableProcessMetrics(): void {
    if (this.processMetrics) return;
    this.processMetrics = true;
    collectDefaultMetrics({ register: this.registry, prefix: "freehold_" });
  }

  /** The gateway's view of upstream traffic (see UpstreamObserver). */
  readonly upstream = {
    request: (upstream: string, status: string) => this.upstreamRequests.inc({ upstream, status }),
    error: (upstream: string, code: FreeholdError["code"]) => this.upstreamErrors.inc({ upstream, code }),
  };
}
