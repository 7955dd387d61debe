/** A tiny browser stand-in: keeps the session cookie and sends the CSRF token on writes. */
export class Client {
  cookie = "";
  csrf = "";

  constructor(readonly base: string) {}

  async req(method: string, path: string, body?: unknown, opts: { csrf?: boolean; signal?: AbortSignal } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers["content-type"] = "application/json";
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrf && opts.csrf !== false && method !== "GET") headers["x-csrf-token"] = this.csrf;
    const res = await fetch(this.base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: opts.signal });
    const set = res.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0];
    return res;
  }

  async json<T = any>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
    const res = await this.req(method, path, body);
    const text = await res.text();
    if (res.status !== status) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** Logs in and fetches the CSRF token like the web app does. */
  async login(email: string, password: string): Promise<void> {
    await this.json("POST", "/app/api/login", { email, password });
    this.csrf = (await this.json("GET", "/app/api/session")).csrfToken;
  }

  /** Sends a streamed request and parses every `data:` event. */
  async stream(path: string, body: unknown = {}): Promise<any[]> {
    const res = await this.req("POST", path, body);
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST ${path}: ${res.status} ${text}`);
    return text.split("\n\n").filter((l) => l.startsWith("data: ")).map((l) => JSON.parse(l.slice(6)));
  }
}

/** Signs up (with an invite when given) and logs in. */
export async function newUser(base: string, email: string, invite?: string): Promise<Client> {
  const c = new Client(base);
  await c.json("POST", "/app/api/signup", { email, password: "correct horse battery", displayName: email.split("@")[0], invite }, 201);
  await c.login(email, "correct horse battery");
  return c;
}
