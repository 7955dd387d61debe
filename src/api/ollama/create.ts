import { rm } from "node:fs/promises";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { App } from "../../app.ts";
import { FreeholdError, invalid } from "../../errors.ts";
import { quantizeModel } from "../../quantize/quantize.ts";
import { normalizeError } from "../errors.ts";
import { parseBody } from "../validate.ts";
import { blobPath, digestHex, modelWithHash } from "./blobs.ts";
import { clientGone, NdjsonStream } from "./ndjson.ts";
import { storedName } from "./resolve.ts";
import { createSchema, type CreateRequest } from "./wire.ts";

/**
 * POST /api/create, in the two forms Freehold can honour: `from` + `quantize` (Ollama's way to
 * make a quantized copy) runs llama.cpp's quantizer as a job, streaming progress; `files` names
 * one uploaded GGUF blob (POST /api/blobs) to register, as `ollama create` with `FROM ./x.gguf`
 * sends it. Modelfiles, adapters, templates and parameters are refused rather than ignored. A
 * client that goes away cancels a quantization, and nothing half-written is ever registered.
 */
export function createRoute(server: FastifyInstance, app: App) {
  server.post("/api/create", async (req, reply) => {
    const body = parseBody(createSchema, req.body);
    const name = body.model ?? body.name;
    if (!name) throw invalid("model is required: the name of the new model", "model");
    const unsupported = (["modelfile", "adapters", "template", "system", "parameters", "messages", "license"] as const)
      .filter((k) => body[k] !== undefined && body[k] !== null);
    if (unsupported.length) {
      throw invalid(`only \`from\` + \`quantize\`, or \`files\` with one GGUF, are supported; not: ${unsupported.join(", ")}`, unsupported[0]);
    }
    if (body.files) {
      if (body.from || body.quantize) throw invalid("give either `files` or `from` + `quantize`, not both", "files");
      return fromBlob(app, storedName(name), body.files, body.stream ?? true, reply);
    }
    if (!body.from) throw invalid("from is required: the model to quantize (or files: an uploaded GGUF)", "from");
    if (!body.quantize) throw invalid("quantize is required, e.g. q4_K_M", "quantize");
    const stream = body.stream ?? true;
    const signal = clientGone(req, reply);
    const out = new NdjsonStream(reply);
    const send = (o: object) => stream && !signal.aborted && out.write(o);
    const status = `quantizing ${body.from} to ${body.quantize.toUpperCase()}`;
    try {
      await quantizeModel(app, body.from, {
        to: body.quantize, name, signal,
        onProgress: (p) => send({ status, total: p.tensorsTotal, completed: p.tensorsDone }),
      });
    } catch (e) {
      if (signal.aborted) return out.abandon();
      if (!out.isStarted) throw e;
      return out.end({ error: normalizeError(e).message });
    }
    if (stream) return out.end({ status: "success" });
    return reply.send({ status: "success" });
  });
}

/**
 * Registers the uploaded blob under `name`: its file moves into models/ (validated as a GGUF
 * llama.cpp can load, as `freehold import` does). A blob already made into a model is not
 * uploaded again by clients (HEAD answers 200), so that model's file gets the new name too.
 */
async function fromBlob(app: App, name: string, files: NonNullable<CreateRequest["files"]>, stream: boolean, reply: FastifyReply) {
  const entries = Object.entries(files);
  const ggufs = entries.filter(([file]) => file.toLowerCase().endsWith(".gguf"));
  if (entries.length !== 1 || ggufs.length !== 1) {
    throw invalid("files must name exactly one .gguf file (safetensors directories and projectors are not supported)", "files");
  }
  const [file, digest] = ggufs[0];
  const hex = digestHex(digest);
  const path = await blobPath(app, hex);
  if (path) {
    try {
      await app.models.register(path, { name, source: "import", sourceRef: `upload:${file}`, adopt: true, sha256: hex });
    } catch (e) {
      await rm(path, { force: true }); // not a GGUF llama.cpp can load (or the name is taken): upload again to retry
      // The client knows its file by its own name, not by the blob's path here.
      throw e instanceof FreeholdError ? new FreeholdError(e.code, e.message.replaceAll(path, file), e.details) : e;
    }
  } else {
    const made = await modelWithHash(app, hex);
    if (!made) throw invalid(`no blob ${digest} on this server: upload it first with POST /api/blobs/${digest}`, "files");
    await app.models.copy(made.name, name);
  }
  const done = { status: "success" };
  if (!stream) return reply.send(done);
  const out = new NdjsonStream(reply);
  out.write({ status: "parsing GGUF" });
  return out.end(done);
}
