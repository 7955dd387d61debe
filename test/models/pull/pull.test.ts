import { randomBytes, createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { pullFromHub, type PullOptions } from "../../../src/models/pull/pull.ts";
import { startFakeHub, type FakeHub, type FakeHubOptions } from "../../helpers/fakeHub.ts";

const MB = 1 << 20;
const content = randomBytes(3 * MB);
const sha = createHash("sha256").update(content).digest("hex");
const REPO = { "acme/tiny-GGUF": [
  { path: "tiny-Q4_K_M.gguf", content },
  { path: "tiny-Q8_0.gguf", content: randomBytes(MB) },
] };

let dir: string;
let hub: FakeHub | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "freehold-pull-"));
  delete process.env.HF_TOKEN;
  delete process.env.HUGGING_FACE_HUB_TOKEN;
});
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await rm(dir, { recursive: true, force: true });
});

const models = () => path.join(dir, "models");
const downloads = () => path.join(dir, "downloads");
const partial = () => path.join(downloads(), `${sha}.partial`);
const dest = () => path.join(models(), "acme__tiny-GGUF__tiny-Q4_K_M.gguf");
async function pull(opts: Partial<FakeHubOptions> = {}, extra: Partial<PullOptions> = {}) {
  hub ??= await startFakeHub({ files: REPO, ...opts });
  return pullFromHub({
    ref: "hf:acme/tiny-GGUF:Q4_K_M", modelsDir: models(), downloadsDir: downloads(),
    endpoint: hub.endpoint, retryDelayMs: 10, ...extra,
  });
}
const cdn = () => hub!.requests.filter((r) => r.server === "cdn");

describe("pullFromHub", () => {
  it("downloads through the CDN redirect, verifies and renames into modelsDir", async () => {
    const seen: number[] = [];
    const res = await pull({}, { onProgress: (p) => seen.push(p.downloaded) });
    expect(res).toEqual({ path: dest(), sha256: sha, size: content.length, repo: "acme/tiny-GGUF", file: "tiny-Q4_K_M.gguf", revision: "main" });
    expect((await readFile(dest())).equals(content)).toBe(true);
    expect(await readdir(downloads())).toEqual([]); // no partial or lock left behind
    expect(hub!.requests.map((r) => `${r.server} ${r.status}`)).toEqual(["hub 200", "hub 302", "cdn 200"]);
    expect(seen.at(-1)).toBe(content.length);
  });

  it("picks the default quant and follows tree pagination", async () => {
    const res = await pull({ pageSize: 1 }, { ref: "hf.co/acme/tiny-GGUF" });
    expect(res.file).toBe("tiny-Q4_K_M.gguf");
    expect(hub!.requests.filter((r) => r.url.startsWith("/api/")).length).toBe(3);
  });

  it("resumes after the connection is cut mid-transfer", async () => {
    const res = await pull({ cutAfterBytes: MB, failTimes: 2 });
    expect(res.sha256).toBe(sha);
    // Each retry resumes where the file on disk ends: at most where the cut was (bytes still in
    // flight when the socket dropped may be lost), never back at the start.
    const ranges = cdn().map((r) => r.range);
    expect(ranges[0]).toBeUndefined();
    const offsets = ranges.slice(1).map((r) => Number(/^bytes=(\d+)-$/.exec(r ?? "")?.[1]));
    expect(offsets).toHaveLength(2);
    expect(offsets[0]).toBeGreaterThan(0);
    expect(offsets[0]).toBeLessThanOrEqual(MB);
    expect(offsets[1]).toBeGreaterThan(offsets[0]);
    expect(offsets[1]).toBeLessThanOrEqual(offsets[0] + MB);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it("resumes a partial left by a killed process, fetching only the rest", async () => {
    await mkdir(downloads(), { recursive: true });
    await writeFile(partial(), content.subarray(0, 1234567));
    await pull();
    expect(cdn().map((r) => [r.range, r.status])).toEqual([["bytes=1234567-", 206]]);
    expect(hub!.cdnBytes()).toBe(content.length - 1234567);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it("restarts from zero when the server ignores the range", async () => {
    await mkdir(downloads(), { recursive: true });
    await writeFile(partial(), content.subarray(0, MB));
    await pull({ ignoreRange: true });
    expect(cdn().map((r) => r.status)).toEqual([200]);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it("finishes a complete partial without downloading again", async () => {
    await mkdir(downloads(), { recursive: true });
    await writeFile(partial(), content);
    await pull();
    expect(cdn()).toEqual([]);
    expect(existsSync(dest())).toBe(true);
  });

  it("re-uses a verified file already in modelsDir, and replaces a damaged one", async () => {
    await pull();
    await pull();
    expect(cdn().length).toBe(1);
    await writeFile(dest(), Buffer.alloc(content.length));
    await pull();
    expect(cdn().length).toBe(2);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it("rejects bytes whose SHA-256 does not match and leaves nothing behind", async () => {
    const err = pull({ corrupt: true });
    await expect(err).rejects.toMatchObject({ code: "upstream_error", message: expect.stringMatching(`SHA-256 mismatch: expected ${sha}, got [0-9a-f]{64}`) });
    expect(existsSync(dest())).toBe(false);
    expect(await readdir(downloads())).toEqual([]);
  });

  it("reports unknown repositories, revisions and files as not found", async () => {
    await expect(pull({}, { ref: "hf:acme/nope" })).rejects.toMatchObject({ code: "not_found", message: "model repository hf:acme/nope not found on the hub" });
    await expect(pull({}, { ref: "hf:acme/tiny-GGUF@v9" })).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/revision "v9"/) });
    await expect(pull({}, { ref: "hf:acme/tiny-GGUF:Q5_K_M" })).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/available: tiny-Q4_K_M.gguf, tiny-Q8_0.gguf/) });
    await expect(pull({}, { ref: "hf:acme/tiny-GGUF:gone.gguf" })).rejects.toMatchObject({ code: "not_found" });
  });

  it("sends the token to the hub but never to the CDN", async () => {
    const opts = { privateRepos: ["acme/tiny-GGUF"], token: "hf_secret" };
    await expect(pull(opts)).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/private or gated, set HF_TOKEN/) });
    await expect(pull(opts, { token: "hf_wrong" })).rejects.toMatchObject({ code: "upstream_error", message: expect.stringMatching(/check that HF_TOKEN is valid/) });
    process.env.HF_TOKEN = "hf_secret"; // picked up from the environment like huggingface_hub
    await pull(opts);
    const hubAuth = hub!.requests.filter((r) => r.server === "hub").map((r) => r.authorization);
    expect(hubAuth).toEqual([undefined, "Bearer hf_wrong", "Bearer hf_secret", "Bearer hf_secret"]);
    expect(cdn().length).toBe(1);
    expect(cdn()[0].authorization).toBeUndefined();
  });

  it("refuses to start without enough free disk space", async () => {
    const statfs = async () => ({ bavail: 10, bsize: 4096 });
    await expect(pull({}, { statfs })).rejects.toMatchObject({ code: "insufficient_storage", message: expect.stringMatching(/not enough disk space/) });
    expect(cdn()).toEqual([]);
    expect(existsSync(dest())).toBe(false);
  });

  it("keeps the partial when aborted, and the next pull resumes it", async () => {
    const ac = new AbortController();
    const onProgress = (p: { downloaded: number }) => p.downloaded > 0 && ac.abort();
    await expect(pull({}, { signal: ac.signal, onProgress, progressIntervalMs: 0 })).rejects.toThrow(/abort/i);
    expect(existsSync(dest())).toBe(false);
    const kept = (await readFile(partial())).length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(content.length);
    await pull();
    expect(cdn()[1]?.range).toMatch(/^bytes=\d+-$/);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });
});
