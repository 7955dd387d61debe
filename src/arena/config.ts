/**
 * The `arena` section of <home>/config.json. FreeholdConfig does not declare it (sections are
 * owned by the module they configure), so it is read and checked here, defaults applied.
 *
 *   "arena": { "sampling": "least-compared", "votesPerMinute": 30, "votesPerDay": null,
 *              "params": { "temperature": 0.7, "maxTokens": 1024 }, "maxTurns": 8, "exclude": [] }
 */
import type { FreeholdConfig } from "../config.ts";
import { invalid } from "../errors.ts";
import type { SamplingOptions } from "../runtime/types.ts";

export type SamplingStrategy = "least-compared" | "uniform";
export type ArenaParams = Pick<SamplingOptions, "temperature" | "topP" | "topK" | "minP" | "maxTokens" | "seed" | "repeatPenalty">;

export interface ArenaConfig {
  /** least-compared: a pair with the fewest battles so far (ties drawn at random); uniform: any pair. */
  sampling: SamplingStrategy;
  /** Votes beyond this many in a minute (per voter) are stored but not counted. */
  votesPerMinute: number;
  /** The same over a rolling 24 hours (like FastChat's daily cap); null: no cap. */
  votesPerDay: number | null;
  /** Sampling parameters both sides use; part of each side's recorded variant. */
  params: ArenaParams;
  /** Turns per battle (the first prompt and its follow-ups). */
  maxTurns: number;
  /** Models never drawn (embedding-only, retired). Their past battles stay on the leaderboard. */
  exclude: string[];
}

export const ARENA_DEFAULTS: ArenaConfig = {
  sampling: "least-compared", votesPerMinute: 30, votesPerDay: null,
  params: { temperature: 0.7, maxTokens: 1024 }, maxTurns: 8, exclude: [],
};

const PARAM_KEYS = ["temperature", "topP", "topK", "minP", "maxTokens", "seed", "repeatPenalty"] as const;

export function arenaConfig(config: FreeholdConfig): ArenaConfig {
  const raw = ((config as { arena?: unknown }).arena ?? {}) as Record<string, unknown>;
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw invalid("config.json: arena must be an object");
  const out: ArenaConfig = { ...ARENA_DEFAULTS, params: { ...ARENA_DEFAULTS.params } };
  if (raw.sampling !== undefined) {
    if (raw.sampling !== "least-compared" && raw.sampling !== "uniform") throw invalid('config.json: arena.sampling must be "least-compared" or "uniform"');
    out.sampling = raw.sampling;
  }
  if (raw.votesPerMinute !== undefined) out.votesPerMinute = positive(raw.votesPerMinute, "votesPerMinute");
  if (raw.votesPerDay !== undefined) out.votesPerDay = raw.votesPerDay === null ? null : positive(raw.votesPerDay, "votesPerDay");
  if (raw.maxTurns !== undefined) out.maxTurns = positive(raw.maxTurns, "maxTurns");
  if (raw.exclude !== undefined) {
    if (!Array.isArray(raw.exclude) || !raw.exclude.every((m) => typeof m === "string")) throw invalid("config.json: arena.exclude must be a list of model names");
    out.exclude = raw.exclude;
  }
  if (raw.params !== undefined) {
    const p = raw.params as Record<string, unknown>;
    for (const k of PARAM_KEYS) {
      if (p[k] === undefined) continue;
      if (typeof p[k] !== "number" || !Number.isFinite(p[k])) throw invalid(`config.json: arena.params.${k} must be a number`);
      out.params[k] = p[k];
    }
  }
  return out;
}

function positive(v: unknown, name: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw invalid(`config.json: arena.${name} must be a positive integer`);
  return v;
}
