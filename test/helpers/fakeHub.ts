import { createHash } from "node:crypto";
import { lookup } from "node:dns/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeFile {
  path: string;
  content: Buffer;
}

export interface FakeHubOptions {
  /** "owner/repo" → files at revision "main". */
  files: Record<string, FakeFile[]>;
  /** Repos that answer 401 unless `Authorization: Bearer <token>` is sent. */
  privateRepos?: string[];
  token?: string;
  /** The first `failTimes` CDN responses (default 1) are cut after this many body bytes. */
  cutAfterBytes?: number;
  failTimes?: number;
  /** Serve bytes that do not match the SHA-256 the tree API advertises. */
  corrupt?: boolean;
  /** Answer range requests with 200 and the whole file, like servers without range support. */
  ignoreRange?: boolean;
  /** Paginate the tree API with Link headers. */
  pageSize?: number;
}

export interface LoggedRequest {
  server: "hub" | "cdn";
  method: string;
  url: string;
  range?: string;
  authorization?: string;
  status: number;
  bytesSent: number;
}

export interface FakeHub {
  endpoint: string;
  cdnOrigin: string;
  requests: LoggedRequest[];
  /** Body bytes the CDN sent in total. */
  cdnBytes(): number;
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("hex");

/**
 * A loopback stand-in for huggingface.co: the hub on 127.0.0.1 redirects `resolve` to a CDN on
 * `localhost` (another port), so the two are different origins just like huggingface.co and its
 * LFS CDN, and the log shows whether the token crossed over.
 */
export async function startFakeHub(opts: FakeHubOptions): Promise<FakeHub> {
  const requests: LoggedRequest[] = [];
  const token = opts.token ?? "hf_test_token";
  let cdnCount = 0;
  let cdnOrigin = "";
  const blobs = new Map<string, Buffer>(); // by sha256
  for (const files of Object.values(opts.files)) for (const f of files) blobs.set(sha256(f.content), f.content);

  const log = (server: LoggedRequest["server"], req: http.IncomingMessage, res: http.ServerResponse) => {
    const entry: LoggedRequest = {
      server, method: req.method ?? "GET", url: req.url ?? "", status: 0, bytesSent: 0,
      range: req.headers.range, authorization: req.headers.authorization,
    };
    requests.push(entry);
    res.on("close", () => (entry.status = res.statusCode));
    return entry;
  };
  const fail = (res: http.ServerResponse, status: number, code: string) =>
    res.writeHead(status, { "x-error-code": code, "content-type": "application/json" }).end(JSON.stringify({ error: code }));

  const hub = http.createServer((req, res) => {
    log("hub", req, res);
    const url = new URL(req.url ?? "/", "http://hub");
    const m = /^\/(?:api\/models\/)?([^/]+)\/([^/]+)\/(tree|resolve)\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
    if (!m) return fail(res, 404, "NotFound");
    const [, owner, name, kind, rev, rest] = m;
    const repo = `${owner}/${name}`;
    const files = opts.files[repo];
    if (!files) return fail(res, 404, "RepoNotFound");
    if (opts.privateRepos?.includes(repo) && req.headers.authorization !== `Bearer ${token}`) return fail(res, 401, "RepoNotFound");
    if (rev !== "main") return fail(res, 404, "RevisionNotFound");
    if (kind === "tree") {
      const entries = [
        { type: "file", oid: "0".repeat(40), size: 12, path: "README.md" },
        ...files.map((f) => ({
          type: "file", oid: "1".repeat(40), size: f.content.length, path: f.path,
          lfs: { oid: sha256(f.content), size: f.content.length, pointerSize: 134 },
        })),
      ];
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const end = opts.pageSize ? start + opts.pageSize : entries.length;
      if (end < entries.length) res.setHeader("link", `<${url.pathname}?recursive=true&cursor=${end}>; rel="next"`);
      return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(entries.slice(start, end)));
    }
    const file = files.find((f) => f.path === decodeURIComponent(rest ?? ""));
    if (!file) return fail(res, 404, "EntryNotFound");
    const oid = sha256(file.content);
    res.writeHead(302, {
      location: `${cdnOrigin}/repos/${oid}?X-Amz-Signature=secret`,
      "x-linked-size": String(file.content.length), "x-linked-etag": `"${oid}"`, "x-repo-commit": "c".repeat(40),
    }).end();
  });

  const cdn = http.createServer((req, res) => {
    const entry = log("cdn", req, res);
    const blob = blobs.get(/^\/repos\/([0-9a-f]{64})/.exec(req.url ?? "")?.[1] ?? "");
    if (!blob) return fail(res, 404, "NoSuchKey");
    const body = opts.corrupt ? Buffer.from(blob.map((b) => b ^ 0xff)) : blob;
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const start = m && !opts.ignoreRange ? Number(m[1]) : 0;
    if (start >= body.length && m) {
      return res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
    }
    const part = body.subarray(start);
    res.writeHead(m && !opts.ignoreRange ? 206 : 200, {
      "content-length": String(part.length), "accept-ranges": "bytes",
      ...(m && !opts.ignoreRange ? { "content-range": `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    const cut = opts.cutAfterBytes;
    if (cut !== undefined && cut < part.length && ++cdnCount <= (opts.failTimes ?? 1)) {
      entry.bytesSent = cut;
      // Flush the first bytes, then drop the socket mid-body like a flaky network would.
      return res.write(part.subarray(0, cut), () => res.socket?.destroy());
    }
    entry.bytesSent = part.length;
    res.end(part);
  });

  const listen = (server: http.Server, host: string) =>
    new Promise<number>((resolve) => server.listen(0, host, () => resolve((server.address() as AddressInfo).port)));
  const hubPort = await listen(hub, "127.0.0.1");
  // Bind to whatever "localhost" resolves to here (127.0.0.1 or ::1) so fetch can reach it.
  const cdnPort = await listen(cdn, (await lookup("localhost")).address);
  cdnOrigin = `http://localhost:${cdnPort}`;

  const stop = (server: http.Server) =>
    new Promise<void>((resolve) => server.close(() => resolve()).closeAllConnections());
  return {
    endpoint: `http://127.0.0.1:${hubPort}`,
    cdnOrigin,
    requests,
    cdnBytes: () => requests.filter((r) => r.server === "cdn").reduce((n, r) => n + r.bytesSent, 0),
    close: async () => void (await Promise.all([stop(hub), stop(cdn)])),
  };
}
