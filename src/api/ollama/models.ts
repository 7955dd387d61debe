import type { FastifyInstance } from "fastify";
import { createRequire } from "node:module";
import type { App } from "../../app.ts";
import type { ModelSummary } from "../../gateway/types.ts";
import type { ModelRecord } from "../../store/repos/models.ts";
import { lazy } from "../../lazy.ts";
import { parameterLines, writeModelfile } from "../../models/modelfile.ts";
import { parseBody } from "../validate.ts";
import { capabilitiesOf } from "./capabilities.ts";
import { detailsOf, rfc3339 } from "./details.ts";
import { modelInfoOf } from "./modelInfo.ts";
import { unloadIfLoaded } from "./preload.ts";
import { findModel, listedName, nameOf, storedName } from "./resolve.ts";

/** Body schemas (zod), loaded by the first request with a body: /api/tags, polled by clients, needs none. */
const wire = lazy(() => import("./wire.ts"));

const VERSION: string = createRequire(import.meta.url)("../../../package.json").version;
/**
 * The Ollama release whose API these routes follow. Clients gate features on /api/version
 * (some refuse to connect below a minimum), so it reports this rather than Freehold's own
 * version, which goes alongside as `freehold`.
 */
export const OLLAMA_API_VERSION = "0.12.0";

/** The model registry in Ollama's shapes: tags, show, copy, delete, version. */
export function modelRoutes(server: FastifyInstance, app: App) {
  server.get("/api/version", async () => ({ version: OLLAMA_API_VERSION, freehold: VERSION }));

  server.get("/api/tags", async () => {
    const models = await app.models.list();
    // Upstream engines are models too; Ollama has no field for "remote", so they list with size 0.
    const upstream = (await app.gateway.list()).filter((m) => m.kind === "upstream");
    return {
      models: [
        ...models.map((m) => ({
          name: listedName(m.name), model: listedName(m.name), modified_at: rfc3339(m.createdAt), size: m.sizeBytes,
          digest: m.sha256, details: detailsOf(m),
        })),
        ...upstream.map((m) => ({
          name: listedName(m.name), model: listedName(m.name), modified_at: rfc3339(m.createdAt), size: 0, digest: "",
          details: { format: "upstream", family: "", families: [], parameter_size: "", quantization_level: "" },
        })),
      ],
    };
  });

  server.post("/api/show", async (req) => {
    const body = parseBody((await wire()).showSchema, req.body);
    const upstream = await upstreamNamed(app, nameOf(body));
    if (upstream) return showUpstream(upstream);
    const m = await findModel(app, nameOf(body));
    const template = m.chatTemplate ?? "";
    return {
      license: (m.preset?.license ?? []).join("\n"),
      modelfile: writeModelfile(m.name, template, m.preset),
      parameters: parameterLines(m.preset).map(([k, v]) => `${k.padEnd(30)} ${/^-?[\d.]+$/.test(v) ? v : JSON.stringify(v)}`).join("\n"),
      template,
      ...(m.preset?.system ? { system: m.preset.system } : {}),
      ...(m.preset?.messages ? { messages: m.preset.messages } : {}),
      details: detailsOf(m),
      model_info: await modelInfoOf(m, body.verbose ?? false),
      capabilities: capabilitiesOf(m),
      modified_at: rfc3339(m.createdAt),
      ...(body.freehold ? { freehold: await registryDetails(app, m, body.freehold.contextSize ?? undefined) } : {}),
    };
  });

  server.delete("/api/delete", async (req, reply) => {
    const m = await findModel(app, nameOf(parseBody((await wire()).deleteSchema, req.body)));
    await unloadIfLoaded(app, m);
    await app.models.remove(m.name);
    return reply.status(200).send();
  });

  /** Ollama overwrites an existing destination; here that is a 409, so nothing is lost by accident. */
  server.post("/api/copy", async (req, reply) => {
    const body = parseBody((await wire()).copySchema, req.body);
    const source = await findModel(app, body.source);
    await app.models.copy(source.name, storedName(body.destination));
    return reply.status(200).send();
  });
}

/** What `freehold show` prints: the registry record (its file's path aside) and the predicted memory. */
async function registryDetails(app: App, m: ModelRecord, contextSize?: number) {
  const { path, ...record } = m;
  return { ...record, memory: await app.runtime.predictMemory(path, { contextSize }) };
}

async function upstreamNamed(app: App, name: string): Promise<ModelSummary | undefined> {
  const bare = name.endsWith(":latest") ? name.slice(0, -":latest".length) : name;
  return (await app.gateway.list()).find((m) => m.kind === "upstream" && (m.name === name || m.name === bare));
}

/**
 * An upstream engine's model: its weights and template live on the other server, so only what
 * is known here is reported (never its base URL or key). Clients such as Open WebUI call
 * /api/show for every listed model and must not get a 404 for the ones /api/tags listed.
 */
function showUpstream(m: ModelSummary) {
  return {
    license: "", modelfile: `# ${m.name} is served by an upstream engine through Freehold\n`, parameters: "", template: "",
    details: { parent_model: "", format: "upstream", family: m.family ?? "", families: m.family ? [m.family] : [], parameter_size: "", quantization_level: m.quantization ?? "" },
    model_info: { "general.architecture": "upstream", ...(m.contextLength ? { "upstream.context_length": m.contextLength } : {}) },
    capabilities: ["completion", "tools"],
    modified_at: rfc3339(m.createdAt),
  };
}
