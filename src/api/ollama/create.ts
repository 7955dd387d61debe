import { rm } from "node:fs/promises";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { App } from "../../app.ts";
import { FreeholdError, invalid } from "../../errors.ts";
import { isFileReference, parseModelfile } from "../../models/modelfile.ts";
import { type DeriveOptions, deriveModel, templateRefused } from "../../models/derive.ts";
import { mergePresets, type Preset } from "../../models/preset.ts";
import { checkPreset } from "../../models/presetParameters.ts";
import { quantizeSummary } from "../../quantize/quantize.ts";
import { normalizeError } from "../errors.ts";
import { parseBody } from "../validate.ts";
import { blobPath, digestHex, modelWithHash } from "./blobs.ts";
import { clientGone, NdjsonStream } from "./ndjson.ts";
import { findModel, storedName } from "./resolve.ts";
import { createSchema, type CreateRequest } from "./wire.ts";

/**
 * POST /api/create, as Ollama's CLI sends a Modelfile: `from` a registered model (a new name for
 * its weights, with the Modelfile's system prompt, parameters, messages and license on top of
 * the source's; with `quantize`, llama.cpp's quantizer runs as a job, streaming progress), or
 * `files` naming one uploaded GGUF blob (POST /api/blobs), as `FROM ./x.gguf` sends it. Older
 * clients send the Modelfile's text instead (`modelfile`). Custom templates and adapters are
 * refused rather than ignored. A client that goes away cancels a quantization, and nothing
 * half-written is ever registered.
 */
export function createRoute(server: FastifyInstance, app: App) {
  server.post("/api/create", async (req, reply) => {
    const body = withModelfile(parseBody(createSchema, req.body));
    const name = body.model ?? body.name;
    if (!name) throw invalid("model is required: the name of the new model", "model");
    if (Array.isArray(body.adapters) ? body.adapters.length : body.adapters && Object.keys(body.adapters).length) {
      throw invalid("adapters (LoRA) are not supported by create", "adapters");
    }
    const over = checkPreset(body);
    const stream = body.stream ?? true;
    if (body.files) {
      if (body.from || body.quantize) throw invalid("give either `files` or `from`, not both", "files");
      if (body.template) throw templateRefused();
      return fromBlob(app, storedName(name), body.files, mergePresets(null, over), stream, reply);
    }
    if (!body.from) throw invalid("from is required: the model to start from (or files: an uploaded GGUF)", "from");
    const source = await findModel(app, body.from);
    if (!body.quantize) {
      await deriveModel(app, storedName(name), source.name, over, { template: body.template });
      return stream ? new NdjsonStream(reply).end({ status: "success" }) : reply.send({ status: "success" });
    }
    const signal = clientGone(req, reply);
    const out = new NdjsonStream(reply);
    const send = (o: object) => stream && !signal.aborted && out.write(o);
    const status = `quantizing ${source.name} to ${body.quantize.toUpperCase()}`;
    const ext = body.freehold;
    let summary: object | undefined;
    try {
      const { quantized } = await deriveModel(app, storedName(name), source.name, over, {
        template: body.template, quantize: body.quantize, signal, quantizer: ext ? quantizerOptions(ext) : undefined,
        onProgress: (p) => send({ status, total: p.tensorsTotal, completed: p.tensorsDone, ...(ext ? { freehold: { tensor: p.tensor } } : {}) }),
      });
      if (ext && quantized) summary = quantizeSummary(quantized);
    } catch (e) {
      if (signal.aborted) return out.abandon();
      if (!out.isStarted) throw e;
      return out.end({ error: normalizeError(e).message });
    }
    const done = { status: "success", ...(summary ? { freehold: summary } : {}) };
    if (stream) return out.end(done);
    return reply.send(done);
  });
}

/** The extension's quantizer settings, as `freehold quantize` names them (nulls: not set). */
function quantizerOptions(ext: NonNullable<CreateRequest["freehold"]>): DeriveOptions["quantizer"] {
  return Object.fromEntries(Object.entries(ext).filter(([, v]) => v !== null && v !== undefined));
}

/** A Modelfile's text (older clients) filled into the request's fields; fields sent alongside win. */
function withModelfile(body: CreateRequest): CreateRequest {
  if (!body.modelfile) return body;
  const spec = parseModelfile(body.modelfile);
  if (spec.from && isFileReference(spec.from)) {
    throw invalid(`FROM ${spec.from}: a file on the client cannot be read here; upload it (POST /api/blobs) and send \`files\``, "modelfile");
  }
  return {
    ...body,
    from: body.from ?? spec.from,
    system: body.system ?? spec.system,
    parameters: body.parameters ?? (Object.keys(spec.parameters).length ? spec.parameters : undefined),
    messages: body.messages ?? (spec.messages.length ? spec.messages : undefined),
    license: body.license ?? (spec.license.length ? spec.license : undefined),
    template: body.template ?? spec.template,
    adapters: body.adapters ?? (spec.adapters.length ? spec.adapters : undefined),
  };
}

/**
 * Registers the uploaded blob under `name`: its file moves into models/ (validated as a GGUF
 * llama.cpp can load, as `freehold import` does). A blob already made into a model is not
 * uploaded again by clients (HEAD answers 200), so that model's file gets the new name too.
 */
async function fromBlob(app: App, name: string, files: NonNullable<CreateRequest["files"]>, preset: Preset | null, stream: boolean, reply: FastifyReply) {
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
      await app.models.register(path, { name, source: "import", sourceRef: `upload:${file}`, adopt: true, sha256: hex, preset });
    } catch (e) {
      await rm(path, { force: true }); // not a GGUF llama.cpp can load (or the name is taken): upload again to retry
      // The client knows its file by its own name, not by the blob's path here.
      throw e instanceof FreeholdError ? new FreeholdError(e.code, e.message.replaceAll(path, file), e.details) : e;
    }
  } else {
    const made = await modelWithHash(app, hex);
    if (!made) throw invalid(`no blob ${digest} on this server: upload it first with POST /api/blobs/${digest}`, "files");
    await app.models.copy(made.name, name, preset);
  }
  const done = { status: "success" };
  if (!stream) return reply.send(done);
  const out = new NdjsonStream(reply);
  out.write({ status: "parsing GGUF" });
  return out.end(done);
}
