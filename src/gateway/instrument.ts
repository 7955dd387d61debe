import type { Metrics } from "../observability/metrics.ts";
import type { Delta, GenerateOptions, GenerateResult } from "../runtime/types.ts";
import type { Backend } from "./types.ts";

/**
 * Wraps a backend so every generation is measured the same way, local or upstream: tokens,
 * time to first token as the caller experiences it (queue and load included) and the mean time
 * per token after it. All generation goes through the gateway, so this is the one place.
 */
export function instrument(backend: Backend, model: string, m: Metrics): Backend {
  const labels = { model };
  const measured = <I>(fn: (input: I, opts: GenerateOptions) => Promise<GenerateResult>) =>
    async (input: I, opts: GenerateOptions = {}): Promise<GenerateResult> => {
      const start = performance.now();
      let first = 0;
      const onDelta = opts.onDelta;
      const watched = onDelta && ((d: Delta) => {
        if (!first && (d.text || d.reasoning || d.toolCalls?.length || d.toolCallParts?.length)) first = performance.now();
        onDelta(d);
      });
      let r: GenerateResult;
      try {
        r = await fn(input, watched ? { ...opts, onDelta: watched } : opts);
      } catch (e) {
        m.generations.inc({ model, backend: backend.kind, outcome: opts.signal?.aborted ? "cancelled" : "error" });
        throw e;
      }
      const end = performance.now();
      m.generations.inc({ model, backend: backend.kind, outcome: r.finishReason === "cancelled" ? "cancelled" : "ok" });
      m.promptTokens.inc(labels, r.usage.promptTokens);
      if (r.usage.cachedPromptTokens) m.cachedPromptTokens.inc(labels, r.usage.cachedPromptTokens);
      if (r.usage.acceptedPredictionTokens) m.predictionTokens.inc({ model, outcome: "accepted" }, r.usage.acceptedPredictionTokens);
      if (r.usage.rejectedPredictionTokens) m.predictionTokens.inc({ model, outcome: "rejected" }, r.usage.rejectedPredictionTokens);
      const { draftTokens: drafted = 0, acceptedDraftTokens: kept = 0 } = r.usage;
      if (kept) m.draftTokens.inc({ model, outcome: "accepted" }, kept);
      if (drafted > kept) m.draftTokens.inc({ model, outcome: "rejected" }, drafted - kept);
      const n = r.usage.completionTokens;
      m.generatedTokens.inc(labels, n);
      if (n > 0) {
        // Not streamed: the backend's own timings, shifted by what it spent waiting and loading.
        const firstAt = first || Math.min(end, start + r.timings.queueMs + r.timings.loadMs + r.timings.firstTokenMs);
        m.timeToFirstToken.observe(labels, (firstAt - start) / 1000);
        if (n > 1) m.timePerToken.observe(labels, (end - firstAt) / 1000 / (n - 1));
      }
      return r;
    };
  return {
    kind: backend.kind,
    contextSize: () => backend.contextSize(),
    ...(backend.countTokens ? { countTokens: (text: string) => backend.countTokens!(text) } : {}),
    ...(backend.countChatTokens ? { countChatTokens: (messages, opts) => backend.countChatTokens!(messages, opts) } : {}),
    ...(backend.continuationTokens ? { continuationTokens: (messages) => backend.continuationTokens!(messages) } : {}),
    chat: measured((messages, opts) => backend.chat(messages, opts)),
    complete: measured((prompt, opts) => backend.complete(prompt, opts)),
    embed: async (inputs, opts) => {
      const r = await backend.embed(inputs, opts);
      m.promptTokens.inc(labels, r.promptTokens);
      return r;
    },
    rerank: async (query, documents, opts) => {
      const r = await backend.rerank(query, documents, opts);
      m.promptTokens.inc(labels, r.promptTokens);
      return r;
    },
  };
}
