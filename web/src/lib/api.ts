/**
 * The one way pages talk to the server: JSON over /app/api with the session cookie, and the
 * CSRF token (from GET /app/api/session) echoed on every write.
 */
let csrfToken = "";

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function init(method: string, body: unknown, signal?: AbortSignal): RequestInit {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && csrfToken) headers["x-csrf-token"] = csrfToken;
  return { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal, credentials: "same-origin" };
}

async function failure(res: Response): Promise<ApiError> {
  const text = await res.text();
  let message = text || res.statusText;
  try {
    const j = JSON.parse(text);
    message = typeof j.error === "string" ? j.error : j.error?.message ?? message;
  } catch { /* not JSON: keep the text */ }
  return new ApiError(res.status, message);
}

/** `api("GET", "/conversations")` → parsed JSON of /app/api/conversations; throws ApiError on non-2xx. */
export async function api<T = any>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await fetch(`/app/api${path}`, init(method, body, signal));
  if (!res.ok) throw await failure(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * POSTs and yields each server-sent `data:` event as parsed JSON. Abort the signal to stop
 * (the server cancels generation when the connection closes).
 */
export async function* stream<T = any>(path: string, body: unknown, signal?: AbortSignal): AsyncGenerator<T> {
  const res = await fetch(`/app/api${path}`, init("POST", body, signal));
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += value;
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const event = buf.slice(0, i);
      buf = buf.slice(i + 2);
      for (const line of event.split("\n")) if (line.startsWith("data: ")) yield JSON.parse(line.slice(6)) as T;
    }
  }
}

/** Fetches a file (e.g. a JSONL export) and hands it to the browser as a download. */
export async function download(path: string, filename: string): Promise<void> {
  const res = await fetch(`/app/api${path}`, { credentials: "same-origin" });
  if (!res.ok) throw await failure(res);
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement("a"), { href: url, download: filename });
  a.click();
  URL.revokeObjectURL(url);
}
