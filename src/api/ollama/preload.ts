import type { App } from "../../app.ts";
import { now } from "./ndjson.ts";
import { findModel } from "./resolve.ts";

/**
 * Ollama's idiom: a chat or generate with nothing to say loads the model (`done_reason: "load"`),
 * or with keep_alive 0 unloads it (`"unload"`) without loading it first.
 */
export async function loadOrUnload(app: App, model: string, keepAliveMs: number | undefined, contextSize?: number) {
  const m = await findModel(app, model);
  if (keepAliveMs === 0) {
    await unloadIfLoaded(app, m);
    return { model, created_at: now(), done: true, done_reason: "unload" };
  }
  await hold(app, m, keepAliveMs, contextSize);
  return { model, created_at: now(), done: true, done_reason: "load" };
}

/**
 * keep_alive for requests whose Backend call takes no options (embeddings): a brief hold of
 * the model with that keep-alive sets it, and 0 unloads the model once the hold ends.
 */
export async function applyKeepAlive(app: App, model: string, keepAliveMs: number | undefined) {
  if (keepAliveMs === undefined) return;
  await hold(app, await findModel(app, model), keepAliveMs);
}

/** Unloads the model's file, under whichever of its names it was loaded (they share it: src/runtime/pool.ts). */
export async function unloadIfLoaded(app: App, m: { name: string; path: string }) {
  await app.runtime.unload(m);
}

/** Loads the model if needed and sets its keep-alive, evaluating nothing. */
async function hold(app: App, m: { name: string; path: string }, keepAliveMs: number | undefined, contextSize?: number) {
  await app.runtime.tokenize({ name: m.name, path: m.path }, "", { keepAliveMs, contextSize });
}
