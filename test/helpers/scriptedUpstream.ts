import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A small OpenAI-compatible server on loopback whose answers the test scripts: text, reasoning,
 * tool calls, errors, delays, or a stream held open until the client leaves. It records every
 * request (headers included, to check keys and parameter mapping) and every request whose
 * connection closed before its answer ended (to check that cancelling reaches the upstream).
 *
 *   const up = await startScriptedUpstream((req) => ({ text: "hi", chunkDelayMs: 5 }));
 *   new OpenAI({ baseURL: up.url, apiKey: "k" })   // up.url ends in /v1
 */
export interface UpstreamRequest {
  method: string;
  /** Path without the query, e.g. /v1/chat/completions. */
  path: string;
  headers: IncomingHttpHeaders;
  body: any;
}

export interface ToolCallAnswer { id?: string; name: string; arguments: string }

export type Answer =
  | {
      text?: string;
      reasoning?: string;
      toolCalls?: ToolCallAnswer[];
      finishReason?: string;
      usage?: { prompt: number; completion: number };
      /** How streamed text is cut (default: per word, spaces kept). */
      chunks?: string[];
      /** Before anything is sent; between streamed chunks. */
      delayMs?: number;
      chunkDelayMs?: number;
      /** Streaming: send the chunks, then keep the connection open until the client closes it. */
      hold?: boolean;
    }
  | { error: { status: number; message: string; type?: string; code?: string; param?: string }; headers?: Record<string, string> }
  | { embeddings: number[][] }
  /** Full control of the response. */
  | { raw: (res: ServerResponse) => void };

export type Script = (req: UpstreamRequest) => Answer | Promise<Answer>;

export interface ScriptedUpstream {
  /** Base URL for OpenAI clients: http://127.0.0.1:<port>/v1 */
  url: string;
  requests: UpstreamRequest[];
  /** Requests whose connection closed before the answer was complete. */
  aborted: UpstreamRequest[];
  /** Resolves at the next such close. */
  nextAbort(): Promise<UpstreamRequest>;
  setScript(script: Script): void;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const defaultScript: Script = (req) =>
  req.path.endsWith("/embeddings") ? { embeddings: [] } : { text: "Hello from the scripted upstream." };

export async function startScriptedUpstream(script: Script = defaultScript): Promise<ScriptedUpstream> {
  const requests: UpstreamRequest[] = [];
  const aborted: UpstreamRequest[] = [];
  let waiters: ((r: UpstreamRequest) => void)[] = [];
  const server = createServer(async (req, res) => {
    let raw = "";
    for await (const c of req) raw += c;
    const r: UpstreamRequest = { method: req.method ?? "GET", path: (req.url ?? "/").split("?")[0], headers: req.headers, body: raw ? safeJson(raw) : undefined };
    requests.push(r);
    res.once("close", () => {
      if (res.writableFinished) return;
      aborted.push(r);
      waiters.forEach((w) => w(r));
      waiters = [];
    });
    if (r.method === "GET" && r.path === "/v1/models") return json(res, 200, { object: "list", data: [{ id: "scripted", object: "model", created: 0, owned_by: "test" }] });
    if (!["/v1/chat/completions", "/v1/completions", "/v1/embeddings"].includes(r.path)) return json(res, 404, { error: { message: `no route ${r.path}`, type: "invalid_request_error", code: null } });
    answer(r, await script(r), res).catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`, requests, aborted,
    nextAbort: () => new Promise((ok) => waiters.push(ok)),
    setScript: (s) => { script = s; },
    close: () => new Promise((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

async function answer(req: UpstreamRequest, a: Answer, res: ServerResponse): Promise<void> {
  if ("raw" in a) return a.raw(res);
  if ("error" in a) {
    const { status, message, type, code, param } = a.error;
    return json(res, status, { error: { message, type: type ?? "invalid_request_error", param: param ?? null, code: code ?? null } }, a.headers);
  }
  const model = req.body?.model ?? "scripted";
  if ("embeddings" in a || req.path.endsWith("/embeddings")) {
    const inputs: string[] = [req.body?.input].flat();
    const vectors = "embeddings" in a && a.embeddings.length ? a.embeddings : inputs.map((s) => [s.length, 1, 0]);
    return json(res, 200, { object: "list", model, data: vectors.map((embedding, index) => ({ object: "embedding", index, embedding })), usage: { prompt_tokens: inputs.length, total_tokens: inputs.length } });
  }
  if (a.delayMs) await sleep(a.delayMs);
  const chat = req.path.endsWith("/chat/completions");
  const text = a.text ?? "";
  const calls = (a.toolCalls ?? []).map((c, i) => ({ id: c.id ?? `call_${i}`, type: "function", function: { name: c.name, arguments: c.arguments } }));
  const finish = a.finishReason ?? (calls.length ? "tool_calls" : "stop");
  const pieces = a.chunks ?? text.match(/\S+\s*|\s+/g) ?? [];
  const usage = { prompt_tokens: a.usage?.prompt ?? 5, completion_tokens: a.usage?.completion ?? pieces.length, total_tokens: (a.usage?.prompt ?? 5) + (a.usage?.completion ?? pieces.length) };
  const head = { id: "scripted-1", created: 1700000000, model };
  if (!req.body?.stream) {
    const message = { role: "assistant", content: calls.length && !text ? null : text, ...(a.reasoning ? { reasoning_content: a.reasoning } : {}), ...(calls.length ? { tool_calls: calls } : {}) };
    const choice = chat ? { index: 0, message, finish_reason: finish, logprobs: null } : { index: 0, text, finish_reason: finish, logprobs: null };
    return json(res, 200, { ...head, object: chat ? "chat.completion" : "text_completion", choices: [choice], usage });
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const object = chat ? "chat.completion.chunk" : "text_completion";
  const send = async (choice: object | null, extra: object = {}) => {
    if (a.chunkDelayMs) await sleep(a.chunkDelayMs);
    if (!res.destroyed) res.write(`data: ${JSON.stringify({ ...head, object, choices: choice ? [choice] : [], ...extra })}\n\n`);
  };
  const piece = (delta: object, finish_reason: string | null = null) =>
    chat ? { index: 0, delta, finish_reason, logprobs: null } : { index: 0, text: (delta as { content?: string }).content ?? "", finish_reason, logprobs: null };
  if (chat) await send(piece({ role: "assistant", content: "" }));
  if (a.reasoning && chat) for (const r of a.reasoning.match(/\S+\s*|\s+/g) ?? []) await send(piece({ reasoning_content: r }));
  for (const p of pieces) await send(piece({ content: p }));
  for (const [index, c] of calls.entries()) {
    // Fragments as OpenAI sends them: id and name first, then the arguments in pieces.
    await send(piece({ tool_calls: [{ index, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } }] }));
    const half = Math.ceil(c.function.arguments.length / 2);
    for (const part of [c.function.arguments.slice(0, half), c.function.arguments.slice(half)]) {
      if (part) await send(piece({ tool_calls: [{ index, function: { arguments: part } }] }));
    }
  }
  if (a.hold) return; // the test closes the client side; "close" records the abort
  await send(piece({}, finish));
  if (req.body?.stream_options?.include_usage) await send(null, { usage });
  res.end("data: [DONE]\n\n");
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function safeJson(s: string): unknown {
  try { return JSON.parse(s); } catch { return s; }
}
