import type { App } from "../../app.ts";
import { FreeholdError, invalid, notFound } from "../../errors.ts";
import type { Backend } from "../../gateway/types.ts";

/** Ollama's wording, which clients show to users as is. */
export const modelNotFound = (name: string) => notFound(`model "${name}" not found, try pulling it first`);

/** Ollama treats "x" and "x:latest" as one model; clients send either. */
const withoutLatest = (name: string) => (name.endsWith(":latest") ? name.slice(0, -":latest".length) : undefined);

/**
 * A name as Ollama lists it: always with a tag, ":latest" when it has none ("tiny" → "tiny:latest",
 * "org/m" → "org/m:latest", "tinyllama:q4_0" as is). Clients split the tag off what they list.
 */
export const listedName = (name: string) => (name.slice(name.lastIndexOf("/") + 1).includes(":") ? name : `${name}:latest`);

/** A name to store: "x:latest" is "x", as Ollama has it. */
export const storedName = (name: string) => withoutLatest(name) ?? name;

/** The backend for a model name, with Ollama's not-found message. */
export async function resolveModel(app: App, name: string): Promise<Backend> {
  for (const candidate of [name, withoutLatest(name)]) {
    if (!candidate) continue;
    try {
      return await app.gateway.resolve(candidate);
    } catch (e) {
      if (!(e instanceof FreeholdError && e.code === "not_found")) throw e;
    }
  }
  throw modelNotFound(name);
}

/** The registered model (for metadata); 404 in Ollama's words when there is none. */
export async function findModel(app: App, name: string) {
  const alias = withoutLatest(name);
  const m = (await app.models.find(name)) ?? (alias ? await app.models.find(alias) : undefined);
  if (!m) throw modelNotFound(name);
  return m;
}

/** `model`, or the deprecated `name` that older clients and the JS SDK still send. */
export function nameOf(body: { model?: string | null; name?: string | null }): string {
  const n = body.model || body.name;
  if (!n) throw invalid("model is required", "model");
  return n;
}
