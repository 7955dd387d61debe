/**
 * Login attempts in a sliding window, in memory, per process (like src/auth/rateLimit.ts). An
 * attempt counts from the moment it starts, not when its password check fails, so guesses sent
 * in parallel cannot all slip through before the first failure lands; a successful login takes
 * its own attempt back.
 */
const MAX_KEYS = 10_000;

export class LoginLimiter {
  private attempts = new Map<string, number[]>();

  constructor(private readonly max = 5, private readonly windowMs = 15 * 60_000, private readonly now = Date.now) {}

  /** 0 when a login may be tried, else seconds until the oldest attempt leaves the window. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    return list.length < this.max ? 0 : Math.max(1, Math.ceil((list[0] + this.windowMs - this.now()) / 1000));
  }

  /** Counts an attempt now; the function returned takes it back (the login succeeded). */
  begin(key: string): () => void {
    const at = this.now();
    // Guesses over many emails or addresses would otherwise grow the map without end.
    if (this.attempts.size > MAX_KEYS) for (const k of this.attempts.keys()) if (!this.recent(k).length) this.attempts.delete(k);
    this.attempts.set(key, [...this.recent(key), at]);
    return () => {
      const list = this.attempts.get(key);
      const i = list?.lastIndexOf(at) ?? -1;
      if (i >= 0) list!.splice(i, 1);
    };
  }

  /** Forgets every attempt on this key (a successful login clears the guesser's own slate). */
  clear(key: string): void {
    this.attempts.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.attempts.get(key) ?? []).filter((t) => t > since);
  }
}

/**
 * The three limits a login passes: 5 per email from one address (a user mistyping), 30 per
 * address across emails (one password sprayed over many accounts), 30 per email across addresses
 * (a distributed guess at one account, which a lockout of minutes only slows down; sessions
 * already open keep working).
 */
export class LoginLimits {
  private readonly pair = new LoginLimiter(5);
  private readonly address = new LoginLimiter(30);
  private readonly account = new LoginLimiter(30);

  /** Seconds to wait, or 0 and a function that records the outcome. */
  begin(email: string, ip: string): { wait: number; done?: (ok: boolean) => void } {
    const keys: [LoginLimiter, string][] = [[this.pair, `${email}|${ip}`], [this.address, ip], [this.account, email]];
    const wait = Math.max(...keys.map(([l, k]) => l.retryAfter(k)));
    if (wait > 0) return { wait };
    const undo = keys.map(([l, k]) => l.begin(k));
    return {
      wait: 0,
      done: (ok) => {
        if (!ok) return;
        for (const u of undo) u();
        this.pair.clear(`${email}|${ip}`);
      },
    };
  }
}
