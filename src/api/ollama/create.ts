import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { invalid } from "../../errors.ts";
import { quantizeModel } from "../../quantize/quantize.ts";
import { normalizeError } from "../errors.ts";
import { parseBody } from "../validate.ts";
import { clientGone, NdjsonStream } from "./ndjson.ts";
import { createSchema } from "./wire.ts";

/**
 * POST /api/create with `from` and `quantize` (Ollama's way to make a quantized copy): runs
 * llama.cpp's quantizer as a job, streaming progress. Modelfiles, blobs and adapters are not
 * supported and are refused rather than ignored. A client that goes away cancels the job, and
 * nothing half-written is ever registered.
 */
export function createRoute(server: FastifyInstance, app: App) {
  server.post("/api/create", async (req, reply) => {
    const body = parseBody(createSchema, req.body);
    const name = body.model ?? body.name;
    if (!name) throw invalid("model is required: the name of the new model", "model");
    const unsupported = (["modelfile", "files", "adapters", "template", "system", "parameters", "messages", "license"] as const)
      .filter((k) => body[k] !== undefined && body[k] !== null);
    if (unsupported.length) {
      throw invalid(`only \`from\` + \`quantize\` is supported; not: ${unsupported.join(", ")}`, unsupported[0]);
    }
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
