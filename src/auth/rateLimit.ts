/**
 * Per-key request rate as a token bucket: holds up to one minute's allowance (so a quiet key may
 * burst that much) and refills continuously. In memory, per process: several nodes behind a
 * balancer each enforce the full rate.
 */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number; rate: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one request from `id`'s bucket; returns 0 when allowed, else the seconds to wait. */
  take(id: string, perMinute: number): number {
    const now = this.now();
    let b = this.buckets.get(id);
    if (!b || b.rate !== perMinute) {
      b = { tokens: perMinute, at: now, rate: perMinute };
      this.buckets.set(id, b);
    }
    const perMs = perMinute / 60_000;
    b.tokens = Math.min(perMinute, b.tokens + (now - b.at) * perMs);
    b.at = now;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
  }

  forget(id: string): void {
    this.buckets.delete(id);
  }
}
