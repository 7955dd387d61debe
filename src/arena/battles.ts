/**
 * Blind battles: draw two different models, stream both answers to every turn, take one vote,
 * reveal the names. Owner-checked: another voter's battle is simply "not found".
 */
import { randomInt } from "node:crypto";
import { conflict, FreeholdError, invalid, notFound } from "../errors.ts";
import type { Gateway } from "../gateway/gateway.ts";
import type { ModelSummary } from "../gateway/types.ts";
import type { Upstreams } from "../gateway/upstreams.ts";
import type { ModelStore } from "../models/store.ts";
import type { ChatMessage } from "../runtime/types.ts";
import type { Db } from "../store/db.ts";
import { categorize, type Category } from "./category.ts";
import type { ArenaConfig, ArenaParams } from "./config.ts";
import { duel, type DuelEvents } from "./duel.ts";
import { parseFastChat, toFastChat } from "./fastchat.ts";
import { judgeVote } from "./hygiene.ts";
import { leaderboard, type LeaderboardOptions } from "./leaderboard.ts";
import { present, winnerOf, type BattleView, type Choice } from "./present.ts";
import { drawPair } from "./sampling.ts";
import { localVariant, upstreamVariant } from "./variant.ts";
import { BattlesRepo, type Battle, type BattleFilter, type Side, type SideTiming, type Turn } from "./votes.ts";

/** Who acts: "user:<id>" for web sessions, "key:<id>" for API keys, "anonymous" on an open server. */
export interface Voter { id: string; admin: boolean }
/** Restricts the draw: only local or upstream models, and/or only these names. */
export interface Pool { kind?: "local" | "upstream"; models?: string[] }
export interface TurnEvents extends DuelEvents { onStart?(battle: BattleView): void }

export interface ArenaDeps {
  db: Db;
  gateway: Pick<Gateway, "list" | "resolve">;
  models: Pick<ModelStore, "find">;
  upstreams: Pick<Upstreams, "list">;
  config: ArenaConfig;
  /** Server-wide max_tokens cap (config.server.maxTokensCap). */
  maxTokensCap?: number;
  /** [0, 1) source for pair draws and side order; crypto-strong by default. */
  random?: () => number;
}

export class ArenaService {
  readonly repo: BattlesRepo;
  /** Battles with a turn streaming in this process: no second turn or vote until it ends. */
  private readonly busy = new Set<string>();

  constructor(private readonly deps: ArenaDeps) {
    this.repo = new BattlesRepo(deps.db);
  }

  get config(): ArenaConfig { return this.deps.config; }

  /** Models a battle may draw from, after config excludes and the caller's pool. */
  async candidates(pool: Pool = {}): Promise<ModelSummary[]> {
    const all = (await this.deps.gateway.list()).filter((m) => !m.reranker && !this.config.exclude.includes(m.name));
    if (pool.models?.length) {
      const unknown = pool.models.filter((n) => !all.some((m) => m.name === n));
      if (unknown.length) throw notFound(`unknown model(s) in the pool: ${unknown.join(", ")}`);
    }
    return all.filter((m) => (!pool.kind || m.kind === pool.kind) && (!pool.models?.length || pool.models.includes(m.name)));
  }

  /** Draws a pair, stores the battle and streams the first turn (onStart fires once the battle exists). */
  async start(voter: Voter, input: { prompt: string; pool?: Pool }, events: TurnEvents = {}, signal?: AbortSignal): Promise<BattleView> {
    const models = await this.candidates(input.pool);
    const strategy = this.config.sampling;
    const counts = strategy === "least-compared" ? await this.repo.pairCounts() : new Map<string, number>();
    const pair = drawPair(models.map((m) => m.name), counts, strategy, this.deps.random ?? cryptoRandom);
    const params = this.params();
    const [variantA, variantB] = await Promise.all([this.variant(pair.a, models, params), this.variant(pair.b, models, params)]);
    const battle = await this.repo.insert({
      userId: voter.id, prompt: input.prompt, modelA: pair.a, modelB: pair.b, variantA, variantB,
      category: categorize(input.prompt), categorySource: "auto",
      draw: { strategy, pool: input.pool ?? {}, candidates: models.length, pairBattlesBefore: pair.pairBattles },
    });
    events.onStart?.(present(battle));
    return this.runTurn(battle.id, input.prompt, events, signal);
  }

  /** A follow-up prompt to both sides, each continuing its own conversation. */
  async followUp(voter: Voter, id: string, prompt: string, events: TurnEvents = {}, signal?: AbortSignal): Promise<BattleView> {
    const b = await this.owned(voter, id);
    if (b.winner !== null) throw conflict("this battle has its vote already: start a new one");
    if (b.turns.length >= this.config.maxTurns) throw invalid(`a battle has at most ${this.config.maxTurns} turns`, "prompt");
    if (this.busy.has(b.id)) throw conflict("an answer is still streaming for this battle");
    events.onStart?.(present(b));
    return this.runTurn(b.id, prompt, events, signal);
  }

  async get(voter: Voter, id: string): Promise<BattleView> {
    return present(await this.owned(voter, id, voter.admin));
  }

  /** The voter's battles, newest first; an admin may ask for everyone's (names still hidden until voted). */
  async list(voter: Voter, opts: { all?: boolean; limit?: number } = {}): Promise<BattleView[]> {
    if (opts.all && !voter.admin) throw new FreeholdError("forbidden", "admins only");
    return (await this.repo.recent(opts.all ? null : voter.id, opts.limit ?? 50)).map(present);
  }

  /** One vote per battle, by its owner; a second one is refused (409) and the first stands. */
  async vote(voter: Voter, id: string, choice: Choice): Promise<BattleView> {
    const b = await this.owned(voter, id);
    if (b.winner !== null) throw conflict("you have voted on this battle already");
    if (this.busy.has(b.id)) throw conflict("an answer is still streaming: vote when it ends");
    if (!b.turns.length) throw conflict("there are no answers to vote on yet");
    const recent = {
      lastMinute: await this.repo.votesSince(voter.id, 60),
      lastDay: this.config.votesPerDay === null ? null : await this.repo.votesSince(voter.id, 86_400),
    };
    const verdict = judgeVote(b, recent, this.config);
    const voted = await this.repo.recordVote(b.id, winnerOf(choice), verdict.counted, { ...b.flags, ...verdict.flags });
    if (!voted) throw conflict("you have voted on this battle already");
    return present(voted);
  }

  /** An admin's correction of the automatic category. */
  async setCategory(voter: Voter, id: string, category: Category): Promise<BattleView> {
    if (!voter.admin) throw new FreeholdError("forbidden", "admins only");
    const b = await this.repo.setCategory(id, category, "admin");
    if (!b) throw notFound("battle not found");
    return present(b);
  }

  leaderboard(opts: LeaderboardOptions = {}) {
    return leaderboard(this.deps.db, opts);
  }

  /** Voted battles as FastChat battle-log JSONL lines. */
  async exportLines(filter: BattleFilter = {}): Promise<string[]> {
    return (await this.repo.list({ ...filter, voted: true })).map(toFastChat);
  }

  /**
   * All or nothing; a battle without a category gets one from its prompt. A battle whose
   * question_id is stored already (an earlier import, or a battle exported from here) or appears
   * earlier in the file is skipped, so importing a file twice does not count its votes twice.
   */
  async importFastChat(text: string): Promise<{ imported: number; skipped: number }> {
    const battles = parseFastChat(text);
    let imported = 0;
    await this.deps.db.transaction(async (tx) => {
      const repo = new BattlesRepo(tx);
      const seen = await repo.knownQuestionIds(battles.flatMap((b) => (b.questionId ? [b.questionId] : [])));
      for (const b of battles) {
        if (b.questionId && seen.has(b.questionId)) continue;
        if (b.questionId) seen.add(b.questionId);
        await repo.insert(b.category ? { ...b, categorySource: "import" } : { ...b, category: categorize(b.prompt), categorySource: "auto" });
        imported++;
      }
    });
    return { imported, skipped: battles.length - imported };
  }

  private async owned(voter: Voter, id: string, adminMayRead = false): Promise<Battle> {
    const b = await this.repo.get(id);
    if (!b || (b.userId !== voter.id && !adminMayRead)) throw notFound("battle not found");
    return b;
  }

  private async runTurn(id: string, prompt: string, events: TurnEvents, signal?: AbortSignal): Promise<BattleView> {
    if (this.busy.has(id)) throw conflict("an answer is still streaming for this battle");
    this.busy.add(id);
    try {
      // Read under the lock: a turn that ended since the caller looked must not be overwritten.
      const b = await this.repo.get(id);
      if (!b) throw notFound("battle not found");
      if (b.winner !== null) throw conflict("this battle has its vote already: start a new one");
      // The gateway's error would name the model: before the vote that would unblind the battle.
      const [backendA, backendB] = await Promise.all([b.modelA, b.modelB].map((m) => this.deps.gateway.resolve(m)))
        .catch(() => { throw new FreeholdError("unavailable", "one of this battle's models is no longer available"); });
      const history = (side: Side): ChatMessage[] => [
        ...b.turns.flatMap((t): ChatMessage[] => [{ role: "user", content: t.prompt }, { role: "assistant", content: t[side].text }]),
        { role: "user", content: prompt },
      ];
      const answers = await duel({ a: { backend: backendA, history: history("a") }, b: { backend: backendB, history: history("b") } },
        (b.variantA.params as ArenaParams | undefined) ?? this.params(), events, signal);
      const turns: Turn[] = [...b.turns, { prompt, ...answers }];
      return present(await this.repo.saveTurns(b.id, turns, { a: addTiming(b.timing.a, answers.a.timing), b: addTiming(b.timing.b, answers.b.timing) }));
    } finally {
      this.busy.delete(id);
    }
  }

  private params(): ArenaParams {
    const p = { ...this.config.params };
    const cap = this.deps.maxTokensCap;
    if (cap !== undefined) p.maxTokens = Math.min(p.maxTokens ?? cap, cap);
    return p;
  }

  private async variant(name: string, pool: ModelSummary[], params: ArenaParams): Promise<Record<string, unknown>> {
    if (pool.find((m) => m.name === name)?.kind === "local") {
      const m = await this.deps.models.find(name);
      if (m) return localVariant(m, params);
    }
    const u = (await this.deps.upstreams.list()).find((x) => x.name === name);
    return upstreamVariant({ baseUrl: u?.baseUrl ?? "", remoteModel: u?.remoteModel ?? name }, params);
  }
}

/** Per side over the whole battle: the first turn's time to first token, durations and tokens summed. */
function addTiming(sum: SideTiming | undefined, t: SideTiming): SideTiming {
  if (!sum) return t;
  return { ttftMs: sum.ttftMs ?? t.ttftMs, durationMs: sum.durationMs + t.durationMs, tokens: sum.tokens + t.tokens, promptTokens: sum.promptTokens + t.promptTokens };
}

const cryptoRandom = () => randomInt(0, 2 ** 47) / 2 ** 47;
