/**
 * API keys as a library: the CLI (`freehold keys`), the auth hook and later admin routes all
 * go through here. Verified keys are cached briefly so a request costs no database round trip;
 * a revocation made by another process or node takes effect within `cacheMs`.
 */
import { FreeholdError, invalid, notFound } from "../errors.ts";
import { isUniqueViolation } from "../store/db.ts";
import { RateLimiter } from "./rateLimit.ts";
import type { KeysRepo } from "./repo.ts";
import { hasScope, type Need } from "./scopes.ts";
import { hashSecret, newKeyId, newSecret, parseSecret, secretMatches } from "./secret.ts";
import { isScope, type ApiKey, type NewKey, type Scope } from "./types.ts";

const DAY_MS = 86_400_000;
const TOUCH_EVERY_MS = 60_000;

const unauthorized = (message: string) => new FreeholdError("unauthorized", message);

export class AuthService {
  private cache = new Map<string, { key: ApiKey; hash: string; at: number }>();
  private touched = new Map<string, number>();
  readonly rate: RateLimiter;

  constructor(readonly keys: KeysRepo, private readonly opts: { cacheMs?: number; now?: () => number } = {}) {
    this.rate = new RateLimiter(this.now);
  }

  private now = () => (this.opts.now ?? Date.now)();

  /** Creates a key; `secret` exists only in this return value, so show it once. */
  async create(k: NewKey): Promise<{ key: ApiKey; secret: string }> {
    const name = k.name?.trim();
    if (!name) throw invalid("a key needs a name", "name");
    if (/\p{Cc}/u.test(name) || name.length > 200) throw invalid("a key's name must be printable and at most 200 characters", "name");
    const scopes = [...new Set(k.scopes ?? ["inference"])];
    const bad = scopes.find((s) => !isScope(s));
    if (bad !== undefined || scopes.length === 0) throw invalid(`unknown scope '${bad ?? ""}': use inference, models or admin`, "scopes");
    for (const [v, what] of [[k.ratePerMinute, "rate"], [k.tokenQuota, "token quota"], [k.expiresInDays, "expiry (days)"]] as const) {
      if (v !== undefined && !(Number.isFinite(v) && v > 0)) throw invalid(`${what} must be a positive number`);
    }
    if (k.ratePerMinute !== undefined && !Number.isInteger(k.ratePerMinute)) throw invalid("rate must be a whole number of requests per minute");
    if (k.tokenQuota !== undefined && !Number.isInteger(k.tokenQuota)) throw invalid("token quota must be a whole number of tokens");
    const expiresAt = k.expiresInDays === undefined ? undefined : new Date(this.now() + k.expiresInDays * DAY_MS);
    for (let attempt = 0; ; attempt++) {
      const id = newKeyId();
      const secret = newSecret(id);
      try {
        const key = await this.keys.insert({
          id, name, hash: hashSecret(secret), scopes: scopes as Scope[], ratePerMinute: k.ratePerMinute,
          tokenQuota: k.tokenQuota, expiresAt, owner: k.owner,
        });
        return { key, secret };
      } catch (e) {
        if (!isUniqueViolation(e) || attempt >= 3) throw e; // id collision: 62^8 ids, so retrying is enough
      }
    }
  }

  list(): Promise<ApiKey[]> {
    return this.keys.list();
  }

  countUsable(): Promise<number> {
    return this.keys.countUsable();
  }

  async revoke(id: string): Promise<ApiKey> {
    const key = await this.keys.revoke(id);
    if (!key) throw notFound(`no API key with id '${id}'`);
    this.cache.delete(id);
    this.rate.forget(id);
    return key;
  }

  /** The key behind a presented secret, or 401: missing, malformed, unknown, revoked, expired. */
  async authenticate(secret: string | undefined): Promise<ApiKey> {
    if (!secret) throw unauthorized("missing API key: send 'Authorization: Bearer <key>' (create one with `freehold keys create`)");
    const parsed = parseSecret(secret);
    if (!parsed) throw unauthorized("invalid API key");
    const found = await this.lookup(parsed.id);
    if (!found || !secretMatches(secret, found.hash)) throw unauthorized("invalid API key");
    const { key } = found;
    if (key.revokedAt) throw unauthorized("API key has been revoked");
    if (key.expiresAt && key.expiresAt.getTime() <= this.now()) throw unauthorized("API key has expired");
    this.touch(key.id);
    return key;
  }

  authorize(key: ApiKey, need: Need): void {
    if (!hasScope(key.scopes, need)) {
      throw new FreeholdError("forbidden", `API key '${key.id}' lacks the '${need}' scope this route needs`);
    }
  }

  /** Before a request: 429 when the key's rate or today's token quota is used up. */
  checkLimits(key: ApiKey): void {
    if (key.tokenQuota !== null && key.tokensUsed >= key.tokenQuota) {
      const tomorrow = Math.ceil((this.now() + 1) / DAY_MS) * DAY_MS; // next UTC midnight
      throw new FreeholdError("rate_limited",
        `API key '${key.id}' has used its token quota for today (${key.tokensUsed} of ${key.tokenQuota} tokens); it resets at 00:00 UTC`,
        { retryAfterSeconds: Math.max(1, Math.ceil((tomorrow - this.now()) / 1000)) });
    }
    if (key.ratePerMinute !== null) {
      const wait = this.rate.take(key.id, key.ratePerMinute);
      if (wait > 0) {
        throw new FreeholdError("rate_limited", `rate limit of ${key.ratePerMinute} requests per minute reached for API key '${key.id}'`,
          { retryAfterSeconds: wait });
      }
    }
  }

  /**
   * After a request: adds prompt + completion tokens to the key's daily count. Call it from
   * routes with `req.freeholdKey?.id`; undefined (an open server) is a no-op. Never throws.
   */
  async recordUsage(keyId: string | undefined, tokens: number): Promise<void> {
    if (!keyId || !(tokens > 0)) return;
    try {
      const total = await this.keys.addUsage(keyId, Math.round(tokens));
      const cached = this.cache.get(keyId);
      if (cached && total !== undefined) cached.key = { ...cached.key, tokensUsed: total };
    } catch {
      // Accounting must not fail a response that was already produced.
    }
  }

  private async lookup(id: string) {
    const hit = this.cache.get(id);
    if (hit && this.now() - hit.at < (this.opts.cacheMs ?? 5_000)) return hit;
    const found = await this.keys.getForVerify(id);
    if (found) this.cache.set(id, { ...found, at: this.now() });
    else this.cache.delete(id);
    return found;
  }

  /** last_used_at at most once a minute per key, off the request path. */
  private touch(id: string) {
    const last = this.touched.get(id) ?? -Infinity;
    if (this.now() - last < TOUCH_EVERY_MS) return;
    this.touched.set(id, this.now());
    this.keys.touch(id).catch(() => this.touched.delete(id));
  }
}
