/**
 * A side's exact variant: which weights (file hash, quantization, adapter) or which remote
 * engine, with the sampling parameters used. Its `id` hashes all of it, so the leaderboard keeps
 * a row per variant: re-quantizing a model or changing its parameters cannot borrow (or bury)
 * the old variant's votes.
 */
import { createHash } from "node:crypto";
import type { ModelRecord } from "../store/repos/models.ts";
import type { ArenaParams } from "./config.ts";

export interface UpstreamRef { baseUrl: string; remoteModel: string }

export function localVariant(m: ModelRecord, params: ArenaParams): Record<string, unknown> {
  return withId({
    kind: "local", sha256: m.sha256, quantization: m.quantization, architecture: m.architecture,
    parameterCount: m.parameterCount, sizeBytes: m.sizeBytes, parentModelId: m.parentModelId,
    adapter: m.preset?.adapters?.map((a) => a.sha256).join("+") ?? (m.metadata?.adapter as string | undefined) ?? null, params,
    // A Modelfile variant answers differently from its weights alone (system prompt, defaults).
    ...(m.preset ? { preset: m.preset } : {}),
  });
}

export function upstreamVariant(u: UpstreamRef, params: ArenaParams): Record<string, unknown> {
  return withId({ kind: "upstream", baseUrl: u.baseUrl, remoteModel: u.remoteModel, adapter: null, params });
}

/** What identifies the variant (sizes and parents describe it but follow from the hash). */
function withId(v: Record<string, unknown>): Record<string, unknown> {
  const identity = { kind: v.kind, sha256: v.sha256 ?? null, quantization: v.quantization ?? null, adapter: v.adapter,
    baseUrl: v.baseUrl ?? null, remoteModel: v.remoteModel ?? null, params: sortKeys(v.params as Record<string, unknown>),
    // Only when set, so the variants of models without one keep the ids their votes are filed under.
    ...(v.preset ? { preset: v.preset } : {}) };
  return { id: createHash("sha256").update(JSON.stringify(identity)).digest("hex").slice(0, 12), ...v };
}

const sortKeys = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
