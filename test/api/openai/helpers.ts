import OpenAI from "openai";
import { afterAll, beforeAll } from "vitest";
import { startServer, type TestServer } from "../../helpers/server.ts";

/** The official SDK against our server. No retries: a 429 must reach the test, not be retried. */
export const sdk = (url: string) => new OpenAI({ baseURL: `${url}/v1`, apiKey: "x", maxRetries: 0, timeout: 30_000 });

/**
 * A generation that runs for seconds: greedy, with </s>, <|im_start|> and <|im_end|> of the
 * generated vocabulary banned (with temperature > 0 the ban does not always hold, see report).
 */
export const LONG = { max_tokens: 1900, temperature: 0, logit_bias: { "2": -100, "259": -100, "260": -100 } };

/** A raw POST for inputs the SDK would never send. Bounded by a timeout: a hang fails the test. */
export async function post(url: string, path: string, body: unknown, init: { raw?: boolean; contentType?: string; timeoutMs?: number } = {}) {
  const res = await fetch(url + path, {
    method: "POST",
    headers: { "content-type": init.contentType ?? "application/json" },
    body: init.raw ? (body as string | Buffer as BodyInit) : JSON.stringify(body),
    signal: AbortSignal.timeout(init.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const cosine = (a: number[], b: number[]) => {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] ** 2; nb += b[i] ** 2; }
  return dot / Math.sqrt(na * nb);
};

export interface Ctx {
  s: TestServer;
  ai: OpenAI;
}

/**
 * One real server for a whole test file, shared by the case modules it runs: starting one
 * (database, migrations, model registration) costs seconds, the cases milliseconds.
 */
export function useServer(opts?: Parameters<typeof startServer>[0]): Ctx {
  const ctx = {} as Ctx;
  beforeAll(async () => {
    ctx.s = await startServer(opts);
    ctx.ai = sdk(ctx.s.url);
  });
  afterAll(() => ctx.s?.close());
  return ctx;
}

export async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
}

/** Sequences generating right now, across loaded models. */
export const busy = (s: TestServer) => s.app.runtime.ps().reduce((n, m) => n + m.busySequences, 0);
