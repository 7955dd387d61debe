import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { downloadFile, type DownloadOptions } from "../../../src/models/pull/download.ts";
import { startFakeHub, type FakeHub, type FakeHubOptions } from "../../helpers/fakeHub.ts";
import { thisProcess } from "../../../src/processOwner.ts";

const content = randomBytes(2 << 20);
const sha = createHash("sha256").update(content).digest("hex");
let dir: string;
let hub: FakeHub | undefined;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "freehold-dl-"));
});
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  await rm(dir, { recursive: true, force: true });
});

const partialPath = () => path.join(dir, "dl", "x.partial");
const dest = () => path.join(dir, "models", "x.gguf");
async function download(hubOpts: Partial<FakeHubOptions> = {}, opts: Partial<DownloadOptions> = {}) {
  hub ??= await startFakeHub({ files: { "acme/x": [{ path: "x.gguf", content }] }, ...hubOpts });
  return downloadFile({
    url: `${hub.endpoint}/acme/x/resolve/main/x.gguf`, dest: dest(), partialPath: partialPath(),
    expectedSha256: sha, expectedSize: content.length, retryDelayMs: 5, ...opts,
  });
}
const cdn = () => hub!.requests.filter((r) => r.server === "cdn");

describe("downloadFile", () => {
  it("gives up after 3 retries that make no progress, keeping the partial", async () => {
    await expect(download({ cutAfterBytes: 0, failTimes: 99 })).rejects.toMatchObject({ code: "upstream_error", message: expect.stringMatching(/connection lost/) });
    expect(cdn().length).toBe(4);
    expect(existsSync(dest())).toBe(false);
  });

  it("verifies a complete partial through a 416 when the size is unknown", async () => {
    await mkdir(path.dirname(partialPath()), { recursive: true });
    await writeFile(partialPath(), content);
    const res = await download({}, { expectedSize: undefined });
    expect(res).toEqual({ path: dest(), sha256: sha, size: content.length });
    expect(cdn().map((r) => r.status)).toEqual([416]);
    expect(hub!.cdnBytes()).toBe(0);
  });

  it("starts over when the partial is longer than the file", async () => {
    await mkdir(path.dirname(partialPath()), { recursive: true });
    await writeFile(partialPath(), Buffer.concat([content, Buffer.from("junk")]));
    await download();
    expect(cdn().map((r) => r.range)).toEqual([undefined]);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });

  it("maps a missing file to not_found", async () => {
    const url = (h: FakeHub) => `${h.endpoint}/acme/x/resolve/main/y.gguf`;
    hub = await startFakeHub({ files: { "acme/x": [{ path: "x.gguf", content }] } });
    await expect(download({}, { url: url(hub) })).rejects.toMatchObject({ code: "not_found" });
    expect(existsSync(dest())).toBe(false);
  });

  it("refuses to share a partial with a live download, but takes over a stale lock", async () => {
    await mkdir(path.dirname(partialPath()), { recursive: true });
    await writeFile(`${partialPath()}.lock`, String(process.pid));
    await expect(download()).rejects.toMatchObject({ code: "conflict" });
    await writeFile(`${partialPath()}.lock`, JSON.stringify(thisProcess()));
    await expect(download()).rejects.toMatchObject({ code: "conflict" });
    await writeFile(`${partialPath()}.lock`, "2147483646"); // no such process
    await download();
    expect(existsSync(`${partialPath()}.lock`)).toBe(false);
  });

  it("takes over a lock whose pid now belongs to another process (a restart reused it)", async () => {
    await mkdir(path.dirname(partialPath()), { recursive: true });
    const me = thisProcess();
    expect(me.start).not.toBeNull(); // Linux: the start time is known
    await writeFile(`${partialPath()}.lock`, JSON.stringify({ pid: me.pid, start: String(Number(me.start) - 1) }));
    await download();
    expect(existsSync(`${partialPath()}.lock`)).toBe(false);
    expect(existsSync(dest())).toBe(true);
  });

  it("runs two concurrent pulls of one file as one download and one conflict", async () => {
    const results = await Promise.allSettled([download(), download()]);
    expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect((await readFile(dest())).equals(content)).toBe(true);
  });
});
