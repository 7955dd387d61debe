import { rm } from "node:fs/promises";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { App } from "../../app.ts";
import { FreeholdError, invalid } from "../../errors.ts";
import { isFileReference, parseModelfile } from "../../models/modelfile.ts";
import { type DeriveOptions, deriveModel, templateRefused } from "../../models/derive.ts";
import { inspectAdapter } from "../../models/inspect.ts";
import { mergePresets, type Preset, type PresetAdapter } from "../../models/preset.ts";
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
    const over = checkPreset(body);
    const stream = body.stream ?? true;
    if (body.files) {
      if (body.from || body.quantize) throw invalid("give either `files` or `from`, not both", "files");
      if (body.template) throw templateRefused();
      return fromBlob(app, storedName(name), body.files, over, body.adapters ?? {}, stream, reply);
    }
    if (!body.from) throw invalid("from is required: the model to start from (or files: an uploaded GGUF)", "from");
    const source = await findModel(app, body.from);
    if (body.adapters) over.adapters = await receiveAdapters(app, body.adapters, source.path);
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
  if (spec.adapters.length) {
    throw invalid(`ADAPTER ${spec.adapters[0]}: a file on the client cannot be read here; upload it (POST /api/blobs) and send \`adapters\``, "modelfile");
  }
  return {
    ...body,
    from: body.from ?? spec.from,
    system: body.system ?? spec.system,
    parameters: body.parameters ?? (Object.keys(spec.parameters).length ? spec.parameters : undefined),
    messages: body.messages ?? (spec.messages.length ? spec.messages : undefined),
    license: body.license ?? (spec.license.length ? spec.license : undefined),
    template: body.template ?? spec.template,
  };
}

/**
 * Registers the uploaded blob under `name`: its file moves into models/ (validated as a GGUF
 * llama.cpp can load, as `freehold import` does). A blob already made into a model is not
 * uploaded again by clients (HEAD answers 200), so that model's file gets the new name too.
 */
async function fromBlob(app: App, name: string, files: NonNullable<CreateRequest["files"]>, over: Preset, adapters: Record<string, string>, stream: boolean, reply: FastifyReply) {
  const entries = Object.entries(files);
  const ggufs = entries.filter(([file]) => file.toLowerCase().endsWith(".gguf"));
  if (entries.length !== 1 || ggufs.length !== 1) {
    throw invalid("files must name exactly one .gguf file (safetensors directories and projectors are not supported)", "files");
  }
  const [file, digest] = ggufs[0];
  const hex = digestHex(digest);
  const path = await blobPath(app, hex);
  const made = path ? undefined : await modelWithHash(app, hex);
  if (!path && !made) throw invalid(`no blob ${digest} on this server: upload it first with POST /api/blobs/${digest}`, "files");
  if (Object.keys(adapters).length) over.adapters = await receiveAdapters(app, adapters, path ?? made!.path);
  const preset = mergePresets(null, over);
  if (path) {
    try {
      await app.models.register(path, { name, source: "import", sourceRef: `upload:${file}`, adopt: true, sha256: hex, preset });
    } catch (e) {
      await rm(path, { force: true }); // not a GGUF llama.cpp can load (or the name is taken): upload again to retry
      // The client knows its file by its own name, not by the blob's path here.
      throw e instanceof FreeholdError ? new FreeholdError(e.code, e.message.replaceAll(path, file), e.details) : e;
    }
  } else {
    await app.models.copy(made!.name, name, preset);
  }
  const done = { status: "success" };
  if (!stream) return reply.send(done);
  const out = new NdjsonStream(reply);
  out.write({ status: "parsing GGUF" });
  return out.end(done);
}

/**
 * The `adapters` of a create (file name → digest): each an uploaded blob, checked against the
 * base model's file and kept in the adapter store, or an adapter another model here already
 * uses (clients skip uploading what HEAD /api/blobs says is here), checked against this base.
 */
async function receiveAdapters(app: App, adapters: Record<string, string>, base: string): Promise<PresetAdapter[]> {
  const out: PresetAdapter[] = [];
  for (const [file, digest] of Object.entries(adapters)) {
    const hex = digestHex(digest);
    const blob = await blobPath(app, hex);
    const named = (e: unknown, path: string) => (e instanceof FreeholdError ? new FreeholdError(e.code, e.message.replaceAll(path, file), { param: "adapters" }) : e);
    if (blob) {
      try {
        const { name, sha256 } = await app.models.addAdapter(blob, base, { name: file, adopt: true, sha256: hex });
        out.push({ name, sha256 });
      } catch (e) {
        await rm(blob, { force: true }); // not an adapter for this model: upload again to retry
        throw named(e, blob);
      }
    } else if (await app.models.hasAdapter(hex)) {
      const path = app.models.adapterPath(hex);
      await inspectAdapter(path, base).catch((e: unknown) => { throw named(e, path); });
      out.push({ name: file, sha256: hex });
    } else {
      throw invalid(`no blob ${digest} on this server: upload the adapter first with POST /api/blobs/${digest}`, "adapters");
    }
  }
  return out;
}
