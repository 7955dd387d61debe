/**
 * Whether a vote counts. It is always stored (nothing is deleted, the log stays complete), but
 * enters the fit only when the vote was blind and fair: no answer gave its identity away before
 * the vote, neither side is blank (a failed or empty answer is no contest), and the voter is
 * within the vote rate limits. A repeat vote on the same battle never gets this far: the service
 * refuses it with 409 and the first vote stands.
 */
import type { ArenaConfig } from "./config.ts";
import { identityLeaks } from "./identity.ts";
import type { Battle, Side } from "./votes.ts";

export type NotCountedReason = "leaked_identity" | "empty_answer" | "rate_limited";

export interface VoteVerdict { counted: boolean; flags: Record<string, unknown> }
export interface RecentVotes { lastMinute: number; lastDay: number | null }

export function judgeVote(b: Battle, recent: RecentVotes, cfg: Pick<ArenaConfig, "votesPerMinute" | "votesPerDay">): VoteVerdict {
  const reasons: NotCountedReason[] = [];
  const flags: Record<string, unknown> = {};
  const leaked: Partial<Record<Side, string[]>> = {};
  const empty: Side[] = [];
  for (const side of ["a", "b"] as const) {
    const words = identityLeaks(b.turns.map((t) => t[side].text).join("\n"), [b.modelA, b.modelB]);
    if (words.length) leaked[side] = words;
    if (b.turns.some((t) => !t[side].text.trim())) empty.push(side);
  }
  if (Object.keys(leaked).length) { reasons.push("leaked_identity"); flags.leakedIdentity = leaked; }
  if (empty.length) { reasons.push("empty_answer"); flags.emptyAnswer = empty; }
  const overMinute = recent.lastMinute >= cfg.votesPerMinute;
  const overDay = cfg.votesPerDay !== null && recent.lastDay !== null && recent.lastDay >= cfg.votesPerDay;
  if (overMinute || overDay) {
    reasons.push("rate_limited");
    flags.rateLimited = overMinute ? { perMinute: cfg.votesPerMinute } : { perDay: cfg.votesPerDay };
  }
  if (reasons.length) flags.notCounted = reasons;
  return { counted: reasons.length === 0, flags };
}
