import { Agent, fetch } from "undici";

/** A streamed OpenAI-style `/v1/completions` request, timed on the client. */
export interface StreamTiming {
  /** Request sent → first chunk with text. */
  ttftMs: number;
  /** First → last chunk with text. */
  decodeMs: number;
  totalMs: number;
  /** Chunks that carried text (one per token on both servers, except where a token is half a character). */
  chunks: number;
  /** completion_tokens from the usage chunk, when the server sent one. */
  usageTokens?: number;
}

/**
 * undici's own fetch and agent (the global fetch's 300 s header and body timeouts failed a
 * request queued behind 16 streams on a busy machine); a queued request may wait that long.
 */
const patient = new Agent({ headersTimeout: 0, bodyTimeout: 0 });

export async function streamCompletion(url: string, body: Record<string, unknown>): Promise<StreamTiming> {
  const t0 = performance.now();
  const res = await fetch(`${url}/v1/completions`, {
    dispatcher: patient,
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...body, stream: true, stream_options: { include_usage: true } }),
  });
  if (!res.ok || !res.body) throw new Error(`${url}: HTTP ${res.status} ${await res.text()}`);
  let first = 0, last = 0, chunks = 0, usageTokens: number | undefined;
  let buf = "";
  const decoder = new TextDecoder();
  for await (const part of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(part, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const event = buf.slice(0, i);
      buf = buf.slice(i + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice(6).trim();
        if (data === "[DONE]") continue;
        const j = JSON.parse(data) as { choices?: { text?: string }[]; usage?: { completion_tokens?: number } | null; error?: unknown };
        if (j.error) throw new Error(`${url}: stream error ${JSON.stringify(j.error)}`);
        if (j.usage?.completion_tokens !== undefined) usageTokens = j.usage.completion_tokens;
        if (j.choices?.[0]?.text) {
          const now = performance.now();
          if (!first) first = now;
          last = now;
          chunks++;
        }
      }
    }
  }
  const end = performance.now();
  return { ttftMs: first - t0, decodeMs: last - first, totalMs: end - t0, chunks, usageTokens };
}
