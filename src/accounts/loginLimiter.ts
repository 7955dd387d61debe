/** Failed logins per email+IP in a sliding window; in memory, per process (like src/auth/rateLimit.ts). */
export class LoginLimiter {
  private failures = new Map<string, number[]>();

  constructor(private readonly max = 5, private readonly windowMs = 15 * 60_000, private readonly now = Date.now) {}

  /** 0 when a login may be tried, else seconds until the oldest failure leaves the window. */
  retryAfter(key: string): number {
    const list = this.recent(key);
    return list.length < this.max ? 0 : Math.max(1, Math.ceil((list[0] + this.windowMs - this.now()) / 1000));
  }

  fail(key: string): void {
    this.failures.set(key, [...this.recent(key), this.now()]);
  }

  succeed(key: string): void {
    this.failures.delete(key);
  }

  private recent(key: string): number[] {
    const since = this.now() - this.windowMs;
    return (this.failures.get(key) ?? []).filter((t) => t > since);
  }
}
