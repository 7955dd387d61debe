/**
 * The leaderboard: Bradley-Terry ratings with bootstrap CIs and the CI-overlap rank, optionally
 * style-controlled. Every model variant that ever received a vote gets a row, with rating null
 * when it has no counted vote in the selection. A variant is a model name plus its recorded
 * variant id (weights, quantization, adapter, parameters: see variant.ts); battles recorded
 * without one (imports from FastChat) rate the name alone.
 */
import type { Db } from "../store/db.ts";
import { bootstrap, intervals } from "./bootstrap.ts";
import { components, type Anchor } from "./bradleyTerry.ts";
import type { Outcome, Winner } from "./pairs.ts";
import { fitOffThread } from "./leaderboardThread.ts";
import { mulberry32 } from "./random.ts";
import { styleFeatures, styleMatrix } from "./style.ts";
import { StyleFitter } from "./styleControl.ts";
import { BattlesRepo, type BattleFilter } from "./votes.ts";

export interface LeaderboardOptions extends BattleFilter {
  styleControl?: boolean; rounds?: number; seed?: number;
  /** Pin one model's rating (FastChat: mixtral-8x7b-instruct-v0.1 = 1114); default: mean 1000. Plain fit only. */
  anchor?: Anchor;
}
export interface LeaderboardRow {
  model: string; rating: number | null; ciLow: number | null; ciHigh: number | null; rank: number | null; votes: number;
  /** Fewer than PROVISIONAL counted votes, or a 95% interval wider than 150 points (methods.md §1.4.4). */
  provisional: boolean;
  /**
   * Connected comparison group (1 = largest; null without counted votes). Models of different
   * groups never met, directly or through others: their ratings and ranks are not comparable.
   */
  group: number | null;
  /** The variant's record (id, file hash, quantization, parameters...); null when none was recorded. */
  variant?: Record<string, unknown> | null;
}
export const PROVISIONAL = 30;
export interface Leaderboard { rows: LeaderboardRow[]; style?: Record<string, number> }
export interface ScoredBattle { modelA: string; modelB: string; winner: Winner | null; counted: boolean; answerA: string; answerB: string }

export async function leaderboard(db: Db, opts: LeaderboardOptions = {}): Promise<Leaderboard> {
  const repo = new BattlesRepo(db);
  const variants = new Map<string, { model: string; variant: Record<string, unknown> | null }>();
  const keyOf = (model: string, variant: Record<string, unknown>) => {
    const id = typeof variant?.id === "string" ? variant.id : null;
    const key = id ? `${model}\u0000${id}` : model;
    if (!variants.has(key)) variants.set(key, { model, variant: id ? variant : null });
    return key;
  };
  const all = (await repo.allVariants()).map((v) => keyOf(v.model, v.variant));
  const battles = (await repo.list({ ...opts, voted: true }))
    // Only what the fit reads crosses to the worker; answers only for style control's features.
    .map((b): ScoredBattle => ({
      modelA: keyOf(b.modelA, b.variantA), modelB: keyOf(b.modelB, b.variantB), winner: b.winner, counted: b.counted,
      answerA: opts.styleControl ? b.answerA : "", answerB: opts.styleControl ? b.answerB : "",
    }));
  // An anchor names a model; with several variants of it, its first variant is pinned.
  const anchorKey = opts.anchor && [...variants].find(([, v]) => v.model === opts.anchor!.model)?.[0];
  const anchor = opts.anchor && anchorKey ? { ...opts.anchor, model: anchorKey } : opts.anchor;
  return relabel(await fitOffThread(all, battles, { ...opts, anchor }), variants);
}

function relabel(board: Leaderboard, variants: Map<string, { model: string; variant: Record<string, unknown> | null }>): Leaderboard {
  return { ...board, rows: board.rows.map((r) => ({ ...r, ...(variants.get(r.model) ?? { model: r.model, variant: null }) })) };
}

export function computeLeaderboard(allModels: string[], battles: ScoredBattle[], opts: LeaderboardOptions = {}): Leaderboard {
  const models = [...new Set([...allModels, ...battles.flatMap((b) => [b.modelA, b.modelB])])];
  const used = battles.filter((b): b is ScoredBattle & { winner: Winner } => b.counted && b.winner !== null && b.modelA !== b.modelB);
  const votes = new Map(models.map((m) => [m, 0]));
  for (const b of used) { votes.set(b.modelA, votes.get(b.modelA)! + 1); votes.set(b.modelB, votes.get(b.modelB)! + 1); }
  const rounds = opts.rounds ?? 200, seed = opts.seed ?? 42;
  let fit: { rating: Float64Array; ciLow: Float64Array; ciHigh: Float64Array; rank: Int32Array; group?: Int32Array };
  let style: Record<string, number> | undefined;
  if (opts.styleControl) ({ style, ...fit } = styleBootstrap(models, used, rounds, seed));
  else {
    const anchorIndex = opts.anchor ? models.indexOf(opts.anchor.model) : -1;
    fit = bootstrap(models, used as Outcome[], { rounds, seed, anchorIndex, anchorRating: opts.anchor?.rating });
  }
  const num = (v: number) => (Number.isNaN(v) ? null : v);
  const rows = models.map((model, i) => ({
    model, rating: num(fit.rating[i]), ciLow: num(fit.ciLow[i]), ciHigh: num(fit.ciHigh[i]),
    rank: fit.rank[i] || null, votes: votes.get(model)!,
    provisional: votes.get(model)! < PROVISIONAL || !(fit.ciHigh[i] - fit.ciLow[i] <= 150),
    group: fit.group ? fit.group[i] || null : fit.rank[i] ? 1 : null,
  }));
  // Group by group, then by rating: a list never interleaves ratings that are not comparable.
  rows.sort((x, y) => (x.group ?? Infinity) - (y.group ?? Infinity) || (y.rating ?? -Infinity) - (x.rating ?? -Infinity) || x.model.localeCompare(y.model));
  return { rows, style };
}

/** Style-controlled fit and a bootstrap that resamples battles (rows keep their covariates). */
function styleBootstrap(models: string[], used: (ScoredBattle & { winner: Winner })[], rounds: number, seed: number) {
  const k = models.length, n = used.length, index = new Map(models.map((m, i) => [m, i]));
  const data = {
    k,
    a: Int32Array.from(used, (b) => index.get(b.modelA)!),
    b: Int32Array.from(used, (b) => index.get(b.modelB)!),
    y: Float64Array.from(used, (b) => (b.winner === "model_a" ? 1 : b.winner === "model_b" ? 0 : 0.5)),
    x: styleMatrix(used.map((b) => ({ a: styleFeatures(b.answerA), b: styleFeatures(b.answerB) }))),
  };
  const fitter = new StyleFitter(k);
  const rating = new Float64Array(k);
  const gamma = Array.from(fitter.fit(data, rating));
  const full = Float64Array.from(fitter.beta);
  const samples = new Float64Array(rounds * k), w = new Float64Array(n), out = new Float64Array(k);
  const rand = mulberry32(seed);
  for (let r = 0; r < rounds && n > 0; r++) {
    w.fill(0);
    for (let i = 0; i < n; i++) w[Math.floor(rand() * n)]++;
    fitter.beta.set(full);
    fitter.fit(data, out, w, true);
    samples.set(out, r * k);
  }
  const style = { length: gamma[0], headers: gamma[1], lists: gamma[2], bold: gamma[3] };
  const pairs = new Float64Array(k * k);
  for (let i = 0; i < n; i++) pairs[data.a[i] * k + data.b[i]]++;
  const group = components(pairs, k);
  return { rating, ...intervals(samples, rounds, k, rating, undefined, group), group, style };
}
