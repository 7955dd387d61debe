import { FreeholdError } from "../errors.ts";
import type { ChatMessage, EmbedResult, GenerateOptions, GenerateResult } from "../runtime/types.ts";
import type { Backend } from "./types.ts";
import type { UpstreamClient, UpstreamResponse } from "./upstreamClient.ts";
import { upstreamUnreachable } from "./upstreamErrors.ts";
import { sseData } from "./upstreamSse.ts";
import { readStream } from "./upstreamStream.ts";
import { chatBody, chatLogprobs, completionBody, finishReason, reasoningOf, textLogprobs, toolCalls } from "./upstreamWire.ts";

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
    complete: (prompt: string, opts: GenerateOptions) =>
      generate(client, "text", "/completions", completionBody(model, prompt, opts, !!opts.onDelta), opts),
    embed: async (inputs: string[]): Promise<EmbedResult> => {
      const res = await client.post("/embeddings", { model, input: inputs, encoding_format: "float" });
      const body = await client.json(res);
      const data = [...(body?.data ?? [])].sort((a: any, b: any) => (a.index ?? 0) - (b.index ?? 0));
      return { embeddings: data.map((d: any) => d.embedding as number[]), promptTokens: body?.usage?.prompt_tokens ?? 0 };
    },
    // Engines do not say their context window in a standard way; limits are theirs to enforce.
    contextSize: async () => undefined,
  };
}

async function generate(client: UpstreamClient, kind: "chat" | "text", path: string, body: Record<string, unknown>, opts: GenerateOptions): Promise<GenerateResult> {
  const startedAt = performance.now();
  const { signal } = opts;
  signal?.throwIfAborted();
  const res = await client.post(path, body, signal);
  if (!opts.onDelta) return whole(kind, await client.json(res, signal), startedAt);
  try {
    return await readStream({ name: client.target.name, kind, events: sseData(res.body), onDelta: opts.onDelta, startedAt, key: res.key });
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    if (e instanceof FreeholdError) throw client.fail(e);
    throw client.fail(upstreamUnreachable(client.target.name, e));
  } finally {
    destroy(res); // an early exit ([DONE] before the socket ends, an error): release the connection
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
    usage: { promptTokens: body?.usage?.prompt_tokens ?? 0, completionTokens: body?.usage?.completion_tokens ?? 0 },
    timings: { queueMs: 0, loadMs: 0, firstTokenMs: ms, totalMs: ms },
    ...(logprobs ? { logprobs } : {}),
  };
}

function destroy(res: UpstreamResponse) {
  if (!res.body.destroyed && !res.body.readableEnded) res.body.destroy();
}
