import type { FastifyInstance } from "fastify";
import type { App } from "../../app.ts";
import { conflict, invalid } from "../../errors.ts";
import { chooseFile, HubClient } from "../../models/pull/hub.ts";
import { parseHubRef } from "../../models/pull/ref.ts";
import { checkModelName } from "../../models/names.ts";
import { pullModel } from "../../models/pullModel.ts";
import type { ModelRecord } from "../../store/repos/models.ts";
import { normalizeError } from "../errors.ts";
import { parseBody } from "../validate.ts";
import { clientGone, NdjsonStream } from "./ndjson.ts";
import { nameOf } from "./resolve.ts";
import { pullSchema } from "./wire.ts";

const HF = /^(hf:|hf\.co\/|huggingface\.co\/|https:\/\/(www\.)?(huggingface|hf)\.co\/)/i;

/**
 * POST /api/pull: a GGUF from Hugging Face (`hf.co/owner/repo:Q4_K_M`, Ollama's own syntax, or
 * `hf:owner/repo`), registered under the name asked for, so `ollama pull X` then `ollama run X`
 * works. Progress in Ollama's statuses; the client going away stops the download (it resumes).
 */
export function pullRoute(server: FastifyInstance, app: App) {
  server.post("/api/pull", async (req, reply) => {
    const body = parseBody(pullSchema, req.body);
    const ref = nameOf(body).trim();
    if (!HF.test(ref)) {
      throw invalid(
        `cannot pull "${ref}": only GGUF repositories on Hugging Face are supported, not the Ollama library; ` +
          "use hf.co/<owner>/<repo>[:<quant>], e.g. hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M",
        "model",
      );
    }
    const stream = body.stream ?? true;
    const signal = clientGone(req, reply);
    const out = new NdjsonStream(reply);
    const send = (o: object) => stream && !signal.aborted && out.write(o);

    // The manifest: which file, how big, its digest. Errors here still get a proper status.
    const hubRef = parseHubRef(ref);
    const repo = `${hubRef.owner}/${hubRef.repo}`;
    const file = chooseFile(await new HubClient().listGgufFiles(repo, hubRef.revision, signal), hubRef.selector, `hf:${repo}`);
    // Ollama names the model after the reference; `freehold pull` (the freehold extension) as
    // it does locally: --name, else pullModel's <owner>/<repo>:<quant>. A URL has no name to give.
    const name = body.freehold ? (body.freehold.name ? checkModelName(body.freehold.name) : undefined)
      : ref.includes("://") ? undefined : checkModelName(ref);
    // Already registered with these bytes: nothing to download (pullModel would fetch them again).
    // Other bytes under that name: refuse before downloading rather than fail after.
    const have = name ? await app.models.find(name) : undefined;
    if (have && have.sha256 !== file.sha256) {
      throw conflict(`a model named "${name}" already exists with other weights: delete it first, or pull under another name`);
    }
    const digest = `sha256:${file.sha256}`;
    const status = `pulling ${file.sha256.slice(0, 12)}`;
    send({ status: "pulling manifest" });
    send({ status, digest, total: file.size, completed: 0 });
    let pulled = have;
    try {
      if (have?.sha256 === file.sha256) send({ status, digest, total: file.size, completed: file.size });
      else pulled = await pullModel(app, ref, { name, signal, onProgress: (p) => send({ status, digest, total: p.total, completed: p.downloaded }) });
    } catch (e) {
      if (signal.aborted) return out.abandon();
      if (!out.isStarted) throw e;
      return out.end({ error: normalizeError(e).message });
    }
    send({ status: "verifying sha256 digest" });
    send({ status: "writing manifest" });
    // The extension's caller learns what it got (the name may be pullModel's choice).
    const done = { status: "success", ...(body.freehold && pulled ? { freehold: registered(pulled) } : {}) };
    if (stream) return out.end(done);
    return reply.send(done);
  });
}

const registered = (m: ModelRecord) => ({ name: m.name, quantization: m.quantization, sizeBytes: m.sizeBytes, sha256: m.sha256 });
