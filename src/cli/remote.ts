import { basename } from "node:path";
import { Readable } from "node:stream";
import { FreeholdError, type ErrorCode } from "../errors.ts";
import type { ChatMessage, FinishReason } from "../runtime/types.ts";
import { sseData } from "../gateway/upstreamSse.ts";
import type { RunningServer } from "./runningServer.ts";
import type { Runtime } from "../runtime/index.ts";
import type { QuantizeOptions, QuantizeSummary } from "../quantize/quantize.ts";
import type { ModelRecord } from "../store/repos/models.ts";

/**
 * The model commands (list, show, rm, cp, pull) and `run` through a running server's HTTP API,
 * for when it holds the embedded database. A server that requires keys gets $FREEHOLD_API_KEY, else
 * the server's local token from server.json (admin: the CLI runs as the owner of the data folder).
 */
interface Init { body?: unknown; signal?: AbortSignal; method?: string }

export async function call(server: RunningServer, path: string, init: Init = {}): Promise<Response> {
  return ok(server, await request(server, path, init));
}

/** The response if it succeeded, else its error as ours. */
async function ok(server: RunningServer, res: Response): Promise<Response> {
  if (res.ok) return res;
  const body = await res.json().catch(() => ({})) as { error?: { message?: string; code?: string } | string };
  if (res.status === 401) throw new FreeholdError("unauthorized", `the server at ${server.url} requires an API key: set FREEHOLD_API_KEY`);
  throw wireError(typeof body.error === "string" ? { message: body.error } : body.error ?? { message: `${res.status} ${res.statusText}` }, res.status);
}

/** A request with the CLI's key; a body that is a stream is sent as it is (a file), anything else as JSON. */
function request(server: RunningServer, path: string, init: Init = {}): Promise<Response> {
  const key = process.env.FREEHOLD_API_KEY || server.token;
  const stream = init.body instanceof Readable;
  return fetch(`${server.url}${path}`, {
    signal: init.signal,
    method: init.method ?? (init.body === undefined ? "GET" : "POST"),
    headers: {
      ...(init.body === undefined ? {} : { "content-type": stream ? "application/octet-stream" : "application/json" }),
      ...(key ? { authorization: `Bearer ${key}` } : {}),
    },
    body: init.body === undefined ? undefined : stream ? Readable.toWeb(init.body as Readable) as ReadableStream : JSON.stringify(init.body),
    ...(stream ? { duplex: "half" } : {}),
  } as RequestInit);
}

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: "invalid_request", 403: "forbidden", 404: "not_found", 409: "conflict", 413: "payload_too_large", 429: "rate_limited", 503: "unavailable",
};

/** An error from the wire as ours: the code the chat's history trimming looks for, else the status's. */
const wireError = (e: { message?: string; code?: string }, status?: number) =>
  new FreeholdError(e.code === "context_length_exceeded" ? e.code : CODE_OF_STATUS[status ?? 0] ?? "upstream_error", e.message ?? "the server failed");

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

/** `freehold show`'s record (without its file's path) and predicted memory, from /api/show's freehold extension. */
export async function remoteShow(server: RunningServer, name: string, contextSize?: number): Promise<ModelDetails> {
  const body = await (await call(server, "/api/show", { body: { model: name, freehold: { contextSize } } })).json() as { freehold?: ModelDetails };
  if (!body.freehold) throw new FreeholdError("invalid_request", `"${name}" is served by an upstream engine: it has no local details to show`);
  return body.freehold;
}

export type ModelDetails = Omit<ModelRecord, "path" | "createdAt"> & { createdAt: string; memory: ShownMemory };
type ShownMemory = Awaited<ReturnType<Runtime["predictMemory"]>>;

export async function remoteRemove(server: RunningServer, name: string): Promise<void> {
  await call(server, "/api/delete", { method: "DELETE", body: { model: name } });
}

export async function remoteCopy(server: RunningServer, from: string, to: string): Promise<void> {
  await call(server, "/api/copy", { body: { source: from, destination: to } });
}

export interface Pulled { name: string; quantization: string | null; sizeBytes: number | null; sha256: string | null }

/**
 * /api/pull with the freehold extension (the model named as a local pull names it), its
 * newline-delimited progress passed on as bytes downloaded of the total.
 */
export async function remotePull(server: RunningServer, ref: string, opts: { name?: string; signal?: AbortSignal; onProgress?: (p: { downloaded: number; total: number }) => void }): Promise<Pulled> {
  const res = await call(server, "/api/pull", { body: { model: ref, stream: true, freehold: { name: opts.name } }, signal: opts.signal });
  let pulled: Pulled | undefined;
  await eachLine(res, (event: { total?: number; completed?: number; freehold?: Pulled }) => {
    if (event.total !== undefined && event.completed !== undefined) opts.onProgress?.({ downloaded: event.completed, total: event.total });
    if (event.freehold) pulled = event.freehold;
  });
  if (!pulled) throw new FreeholdError("upstream_error", `the server at ${server.url} ended the pull without a result`);
  return pulled;
}

/** An Ollama progress stream (newline-delimited JSON), each event passed on; one with `error` fails. */
async function eachLine<T>(res: Response, fn: (event: T) => void): Promise<void> {
  let rest = "";
  const decoder = new TextDecoder();
  const line = (text: string) => {
    if (!text.trim()) return;
    const event = JSON.parse(text) as T & { error?: string };
    if (event.error) throw new FreeholdError("upstream_error", event.error);
    fn(event);
  };
  for await (const chunk of res.body!) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
    rest = lines.pop()!;
    lines.forEach(line);
  }
  line(rest + decoder.decode());
}

/** `freehold create` FROM a registered model: /api/create as Ollama's CLI sends a Modelfile, quantizing with progress. */
export async function remoteCreate(server: RunningServer, body: Record<string, unknown>, onProgress?: (p: { done: number; total: number }) => void): Promise<void> {
  const res = await call(server, "/api/create", { body: { ...body, stream: true } });
  await eachLine(res, (event: { total?: number; completed?: number }) => {
    if (event.total !== undefined && event.completed !== undefined) onProgress?.({ done: event.completed, total: event.total });
  });
}

/**
 * `freehold quantize` through the server: Ollama's create (`from` + `quantize`, named as a local
 * run names it) with the quantizer's flags as Freehold's extension, which also brings the summary.
 */
export async function remoteQuantize(server: RunningServer, source: string,
  opts: Pick<QuantizeOptions, "to" | "name" | "allowRequantize" | "leaveOutput" | "outputType" | "tokenEmbeddingType" | "pure" | "threads">,
  signal: AbortSignal, onProgress: (done: number, total: number, tensor: string) => void): Promise<QuantizeSummary> {
  const [{ defaultName }, { parseQuantType }] = await Promise.all([import("../quantize/quantize.ts"), import("../quantize/types.ts")]);
  const { to, name, ...flags } = opts;
  const model = name ?? defaultName((await remoteShow(server, source)).name, parseQuantType(to));
  const res = await call(server, "/api/create", { body: { model, from: source, quantize: to, stream: true, freehold: flags }, signal });
  let summary: QuantizeSummary | undefined;
  await eachLine(res, (e: { total?: number; completed?: number; freehold?: QuantizeSummary & { tensor?: string } }) => {
    if (e.total !== undefined && e.completed !== undefined) onProgress(e.completed, e.total, e.freehold?.tensor ?? "");
    else if (e.freehold?.model) summary = e.freehold;
  });
  if (!summary) throw new FreeholdError("upstream_error", `the server at ${server.url} ended the quantization without a result`);
  return summary;
}

/**
 * `freehold import` through the server, as `ollama create` does it: the file is uploaded as a
 * blob (skipped when the server has those bytes already), then registered from it.
 */
export async function remoteImport(server: RunningServer, file: string, name: string, onProgress?: (p: { uploaded: number; total: number }) => void, preset: Record<string, unknown> = {}): Promise<void> {
  const digest = await uploadBlob(server, file, onProgress);
  await call(server, "/api/create", { body: { ...preset, model: name, files: { [basename(file)]: digest }, stream: false } });
}

/** Uploads a file as a blob (POST /api/blobs), unless the server has those bytes already; its digest. */
export async function uploadBlob(server: RunningServer, file: string, onProgress?: (p: { uploaded: number; total: number }) => void): Promise<string> {
  const [{ createReadStream }, { stat }, { hashFile }] = await Promise.all([import("node:fs"), import("node:fs/promises"), import("../models/store.ts")]);
  const size = await stat(file).then((s) => s.size, (e: NodeJS.ErrnoException) => {
    throw new FreeholdError("invalid_request", e.code === "ENOENT" ? `no such file: ${file}` : `cannot read ${file}: ${e.message}`);
  });
  const digest = `sha256:${await hashFile(file)}`;
  const head = await request(server, `/api/blobs/${digest}`, { method: "HEAD" });
  if (head.status === 404) {
    let uploaded = 0;
    const body = createReadStream(file, { highWaterMark: 1 << 20 }).on("data", (chunk) => onProgress?.({ uploaded: (uploaded += chunk.length), total: size }));
    await call(server, `/api/blobs/${digest}`, { body });
  } else {
    await ok(server, head); // 200: the server has these bytes already
  }
  return digest;
}

export interface ChatOptions {
  temperature?: number;
  maxTokens?: number;
  seed?: number;
  /** Answers in JSON (OpenAI's response_format json_object). */
  json?: boolean;
  /** Text the answer will mostly repeat (OpenAI's Predicted Outputs). */
  prediction?: string;
  /** A smaller model of the same vocabulary that drafts (speculative decoding; local models). */
  draftModel?: string;
  signal?: AbortSignal;
  onDelta?: (d: { text?: string }) => void;
}

/**
 * A chat on the server's /v1/chat/completions, streamed. Like the local runtime, an answer
 * stopped by the signal after it began comes back with what arrived, as "cancelled".
 */
export async function remoteChat(server: RunningServer, model: string) {
  await call(server, `/v1/models/${model}`); // an unknown model fails now, not at the first message
  return async (messages: ChatMessage[], opts: ChatOptions) => {
    const res = await call(server, "/v1/chat/completions", {
      body: {
        model, messages, stream: true, stream_options: { include_usage: true }, temperature: opts.temperature, max_tokens: opts.maxTokens, seed: opts.seed,
        ...(opts.json ? { response_format: { type: "json_object" } } : {}),
        ...(opts.prediction !== undefined ? { prediction: { type: "content", content: opts.prediction } } : {}),
        ...(opts.draftModel !== undefined ? { draft_model: opts.draftModel } : {}),
      },
      signal: opts.signal,
    });
    return streamedAnswer(res, opts, (choice) => choice?.delta?.content);
  };
}

/** A fill-in-the-middle completion (`suffix`) streamed from the server's /v1/completions. */
export async function remoteInsert(server: RunningServer, model: string, prompt: string, suffix: string, opts: ChatOptions) {
  const res = await call(server, "/v1/completions", {
    body: {
      model, prompt, suffix, stream: true, stream_options: { include_usage: true }, temperature: opts.temperature, max_tokens: opts.maxTokens, seed: opts.seed,
      ...(opts.draftModel !== undefined ? { draft_model: opts.draftModel } : {}),
    },
    signal: opts.signal,
  });
  return streamedAnswer(res, opts, (choice) => choice?.text);
}

interface StreamedChoice { delta?: { content?: string }; text?: string; finish_reason?: FinishReason | null }

async function streamedAnswer(res: Response, opts: ChatOptions, textOf: (choice: StreamedChoice | undefined) => string | undefined) {
  let text = "", finishReason: FinishReason = "stop";
  let usage: { promptTokens: number; completionTokens: number; acceptedPredictionTokens?: number; rejectedPredictionTokens?: number; draftTokens?: number; acceptedDraftTokens?: number } | undefined;
  try {
    for await (const data of sseData(res.body!)) {
      if (data === "[DONE]") break;
      const event = JSON.parse(data) as {
        error?: { message?: string; code?: string }; choices?: StreamedChoice[];
        usage?: { prompt_tokens: number; completion_tokens: number; completion_tokens_details?: { accepted_prediction_tokens?: number; rejected_prediction_tokens?: number; draft_n?: number; draft_n_accepted?: number } } | null;
      };
      if (event.error) throw wireError(event.error);
      if (event.usage) {
        const d = event.usage.completion_tokens_details;
        usage = {
          promptTokens: event.usage.prompt_tokens, completionTokens: event.usage.completion_tokens,
          ...(d?.accepted_prediction_tokens !== undefined ? { acceptedPredictionTokens: d.accepted_prediction_tokens, rejectedPredictionTokens: d.rejected_prediction_tokens ?? 0 } : {}),
          ...(d?.draft_n !== undefined ? { draftTokens: d.draft_n, acceptedDraftTokens: d.draft_n_accepted ?? 0 } : {}),
        };
      }
      const choice = event.choices?.[0];
      const piece = textOf(choice);
      if (piece) {
        text += piece;
        opts.onDelta?.({ text: piece });
      }
      if (choice?.finish_reason) finishReason = choice.finish_reason;
    }
  } catch (e) {
    if (opts.signal?.aborted) return { text, finishReason: "cancelled" as FinishReason };
    throw e;
  }
  return { text, finishReason, ...(usage ? { usage } : {}) };
}

/** Relevance scores in the documents' order, from the server's /v1/rerank. */
export async function remoteRerank(server: RunningServer, model: string, query: string, documents: string[]): Promise<number[]> {
  const { results } = await (await call(server, "/v1/rerank", { body: { model, query, documents } })).json() as { results: { index: number; relevance_score: number }[] };
  const scores = documents.map(() => 0);
  for (const r of results) scores[r.index] = r.relevance_score;
  return scores;
}
