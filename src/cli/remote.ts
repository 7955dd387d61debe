import { FreeholdError } from "../errors.ts";
import type { ChatMessage, FinishReason } from "../runtime/types.ts";
import { sseData } from "../gateway/upstreamSse.ts";
import type { RunningServer } from "./runningServer.ts";

/**
 * `freehold list` and `run` through a running server's HTTP API, for when it holds the embedded
 * database. A server that requires keys gets $FREEHOLD_API_KEY.
 */
async function call(server: RunningServer, path: string, init: { body?: unknown; signal?: AbortSignal } = {}): Promise<Response> {
  const key = process.env.FREEHOLD_API_KEY;
  const res = await fetch(`${server.url}${path}`, {
    method: init.body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", ...(key ? { authorization: `Bearer ${key}` } : {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: init.signal,
  });
  if (res.ok) return res;
  const body = await res.json().catch(() => ({})) as { error?: { message?: string; code?: string } | string };
  if (res.status === 401) throw new FreeholdError("unauthorized", `the server at ${server.url} requires an API key: set FREEHOLD_API_KEY`);
  throw wireError(typeof body.error === "string" ? { message: body.error } : body.error ?? { message: `${res.status} ${res.statusText}` });
}

/** An error from the wire, keeping the code the chat's history trimming looks for. */
const wireError = (e: { message?: string; code?: string }) =>
  new FreeholdError(e.code === "context_length_exceeded" ? e.code : "upstream_error", e.message ?? "the server failed");

export interface RemoteModel {
  name: string;
  size: number;
  details: { format?: string; family?: string; parameter_size?: string; quantization_level?: string };
}

/**
 * The server's local models (/api/tags, upstream engines left out as `freehold list` does), named
 * as `freehold list` names them: without the ":latest" Ollama's listing adds to untagged names.
 */
export async function remoteModels(server: RunningServer): Promise<RemoteModel[]> {
  const { models } = await (await call(server, "/api/tags")).json() as { models: RemoteModel[] };
  return models.filter((m) => m.details.format !== "upstream").map((m) => ({ ...m, name: m.name.replace(/:latest$/, "") }));
}

export interface ChatOptions {
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  signal?: AbortSignal;
  onDelta?: (d: { text?: string }) => void;
}

/**
 * A chat on the server's /v1/chat/completions, streamed. Like the local runtime, an answer
 * stopped by the signal after it began comes back with what arrived, as "cancelled".
 */
export async function remoteChat(server: RunningServer, model: string) {
  await call(server, `/v1/models/${model}`); // an unknown model fails now, not at the first message
  return async (messages: ChatMessage[], opts: ChatOptions): Promise<{ text: string; finishReason: FinishReason }> => {
    const res = await call(server, "/v1/chat/completions", {
      body: { model, messages, stream: true, temperature: opts.temperature, max_tokens: opts.maxTokens, seed: opts.seed },
      signal: opts.signal,
    });
    let text = "", finishReason: FinishReason = "stop";
    try {
      for await (const data of sseData(res.body!)) {
        if (data === "[DONE]") break;
        const event = JSON.parse(data) as { error?: { message?: string; code?: string }; choices?: { delta?: { content?: string }; finish_reason?: FinishReason | null }[] };
        if (event.error) throw wireError(event.error);
        const choice = event.choices?.[0];
        if (choice?.delta?.content) {
          text += choice.delta.content;
          opts.onDelta?.({ text: choice.delta.content });
        }
        if (choice?.finish_reason) finishReason = choice.finish_reason;
      }
    } catch (e) {
      if (opts.signal?.aborted) return { text, finishReason: "cancelled" };
      throw e;
    }
    return { text, finishReason };
  };
}
