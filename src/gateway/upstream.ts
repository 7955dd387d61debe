import { FreeholdError } from "../errors.ts";
import type { ChatMessage, EmbedResult, GenerateOptions, GenerateResult, Prompt, RerankResult } from "../runtime/types.ts";
import type { Backend } from "./types.ts";
import type { UpstreamClient } from "./upstreamClient.ts";
import { upstreamUnreachable } from "./upstreamErrors.ts";
import { SseParser } from "./upstreamSse.ts";
import { StreamReader } from "./upstreamStream.ts";
import { chatBody, chatLogprobs, completionBody, finishReason, reasoningOf, textLogprobs, toolCalls, usageOf } from "./upstreamWire.ts";

/**
 * A model served by a remote OpenAI-compatible engine. A caller that listens for deltas gets a
 * streamed upstream request (tokens pass through as they arrive); one that does not gets a
 * plain request. Either way the result is the same GenerateResult a local model returns.
 */
export function upstreamBackend(client: UpstreamClient): Backend {
  const model = client.target.remoteModel;
  return {
    kind: "upstream",
    chat: (messages: ChatMessage[], opts: GenerateOptions) =>
      generate(client, "chat", "/chat/completions", chatBody(model, messages, opts, !!opts.onDelta), opts),
    complete: (prompt: Prompt, opts: GenerateOptions) =>
      generate(client, "text", "/completions", completionBody(model, prompt, opts, !!opts.onDelta), opts),
    embed: async (inputs: Prompt[]): Promise<EmbedResult> => {
      const body = await client.json("/embeddings", { model, input: inputs, encoding_format: "float" });
      const data = [...(body?.data ?? [])].sort((a: any, b: any) => (a.index ?? 0) - (b.index ?? 0));
      return { embeddings: data.map((d: any) => d.embedding as number[]), promptTokens: body?.usage?.prompt_tokens ?? 0 };
    },
    // llama-server, vLLM, Infinity and TEI-style servers answer Jina's and Cohere's shape at /rerank.
    rerank: async (query: string, documents: string[], opts: { signal?: AbortSignal } = {}): Promise<RerankResult> => {
      const body = await client.json("/rerank", { model, query, documents, top_n: documents.length }, opts.signal);
      const scores = documents.map(() => 0);
      const seen = new Set<number>();
      for (const r of Array.isArray(body?.results) ? body.results : []) {
        const i = r?.index, score = r?.relevance_score ?? r?.score;
        if (Number.isInteger(i) && i >= 0 && i < documents.length && typeof score === "number") { scores[i] = score; seen.add(i); }
      }
      if (seen.size !== documents.length) {
        throw client.fail(new FreeholdError("upstream_error", `upstream "${client.target.name}" scored ${seen.size} of ${documents.length} documents`));
      }
      return { scores, promptTokens: body?.usage?.prompt_tokens ?? body?.usage?.total_tokens ?? 0 };
    },
    // Engines do not say their context window in a standard way; limits are theirs to enforce.
    contextSize: async () => undefined,
  };
}

async function generate(client: UpstreamClient, kind: "chat" | "text", path: string, body: Record<string, unknown>, opts: GenerateOptions): Promise<GenerateResult> {
  const startedAt = performance.now();
  const { signal, onDelta } = opts;
  signal?.throwIfAborted();
  if (!onDelta) return whole(kind, await client.json(path, body, signal), startedAt);
  // Each chunk is parsed and handed on as the socket delivers it: no stream, generator or
  // promise per chunk or event. The client maps transport and HTTP failures.
  const parser = new SseParser();
  let reader!: StreamReader;
  const event = (data: string) => reader.event(data);
  await client.stream(path, body, signal, (key) => {
    reader = new StreamReader({ name: client.target.name, kind, onDelta, startedAt, key });
    return (chunk) => parser.push(chunk, event);
  });
  try {
    parser.end(event); // a last event without its blank line
    return reader.result();
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw client.fail(e instanceof FreeholdError ? e : upstreamUnreachable(client.target.name, e));
  }
}

function whole(kind: "chat" | "text", body: any, startedAt: number): GenerateResult {
  const choice = body?.choices?.[0] ?? {};
  const ms = performance.now() - startedAt;
  const calls = kind === "chat" ? toolCalls(choice.message?.tool_calls) : undefined;
  const reasoning = kind === "chat" ? reasoningOf(choice.message) : undefined;
  const logprobs = kind === "chat" ? chatLogprobs(choice.logprobs) : textLogprobs(choice.logprobs);
  return {
    text: (kind === "chat" ? choice.message?.content : choice.text) ?? "",
    ...(reasoning ? { reasoning } : {}),
    ...(calls ? { toolCalls: calls } : {}),
    finishReason: finishReason(choice.finish_reason),
    usage: usageOf(body?.usage),
    timings: { queueMs: 0, loadMs: 0, firstTokenMs: ms, totalMs: ms },
    ...(logprobs ? { logprobs } : {}),
  };
}
