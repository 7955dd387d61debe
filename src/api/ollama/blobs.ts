import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { access, mkdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import { sweepStalePartials } from "../../quantize/partials.ts";

/**
 * Ollama's blobs: `POST /api/blobs/sha256:<hex>` uploads a file (a GGUF, for /api/create's
 * `files`), `HEAD` says whether the server has it. How `ollama create` and `freehold import`
 * (while serve holds the database) bring a local file to the server. The body streams to a
 * partial file, hashed on the way, and becomes the blob only when its SHA-256 is the one named,
 * so a cut or corrupted upload leaves nothing behind. A blob a registered model (or a LoRA
 * adapter a model uses) was made from counts as present: clients then skip the upload.
 */
export function blobRoutes(server: FastifyInstance, app: App) {
  // Their own plugin: the body is the file, read here as a stream, not parsed (nor size-limited).
  server.register(async (api) => {
    api.removeAllContentTypeParsers();
    api.addContentTypeParser("*", (_req, _payload, done) => done(null, undefined));

    api.head<{ Params: { digest: string } }>("/api/blobs/:digest", async (req, reply) => {
      const hex = digestHex(req.params.digest);
      const here = (await blobPath(app, hex)) || (await modelWithHash(app, hex)) || (await app.models.hasAdapter(hex));
      return reply.status(here ? 200 : 404).send();
    });

    api.post<{ Params: { digest: string } }>("/api/blobs/:digest", async (req, reply) => {
      const hex = digestHex(req.params.digest);
      await mkdir(app.paths.downloads, { recursive: true });
      await sweepStalePartials(app.paths.downloads); // a crash mid-upload left its partial behind
      const partial = join(app.paths.downloads, `upload-${process.pid}-${randomUUID()}.partial`);
      const hash = createHash("sha256");
      try {
        await pipeline(req.raw, async function* (chunks: AsyncIterable<Buffer>) {
          for await (const chunk of chunks) {
            hash.update(chunk);
            yield chunk;
          }
        }, createWriteStream(partial));
        const got = hash.digest("hex");
        if (got !== hex) throw invalid(`the upload's SHA-256 is ${got}, not the ${hex} it was sent as: nothing was kept`, "digest");
        await rename(partial, blobFile(app, hex));
      } finally {
        await rm(partial, { force: true });
      }
      return reply.status(201).send();
    });
  });
}

/** "sha256:<64 hex>" (Ollama's form; "sha256-" too) → the hex. */
export function digestHex(digest: string): string {
  const m = /^sha256[:-]([0-9a-f]{64})$/.exec(digest);
  if (!m) throw invalid(`"${digest}" is not a digest: expected sha256:<64 lowercase hex digits>`, "digest");
  return m[1];
}

const blobFile = (app: App, hex: string) => join(app.paths.downloads, `blob-sha256-${hex}`);

/** The uploaded blob's path, if it is here (not yet made into a model). */
export async function blobPath(app: App, hex: string): Promise<string | undefined> {
  const path = blobFile(app, hex);
  return access(path).then(() => path, () => undefined);
}

export async function modelWithHash(app: App, hex: string) {
  return (await app.models.list()).find((m) => m.sha256 === hex);
}
