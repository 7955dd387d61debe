/** A JSON client for /v1/evals (optional API key) and a poll for background runs. */
export function v1(base: string, key?: string) {
  const call = async (method: string, path: string, body?: unknown, contentType = "application/json") => {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = contentType;
    const res = await fetch(`${base}/v1/evals${path}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    call,
    /** The body when the status is as expected, else an error showing what came back. */
    async json<T = any>(method: string, path: string, body?: unknown, status = 200, contentType?: string): Promise<T> {
      const r = await call(method, path, body, contentType);
      if (r.status !== status) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body as T;
    },
  };
}

/** Polls `get` until `done` holds (bounded: a run that never settles fails the test, not hangs it). */
export async function until<T>(get: () => Promise<T>, done: (v: T) => boolean, tries = 1200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await get();
    if (done(v)) return v;
    await new Promise((ok) => setTimeout(ok, 25));
  }
  throw new Error("condition never held");
}

export const line = (o: object) => JSON.stringify(o);
