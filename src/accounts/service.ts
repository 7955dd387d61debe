/** Accounts and cookie sessions: sign-up (first user is admin, then invite-only), login, admin changes. */
import { createHash, randomBytes } from "node:crypto";
import { FreeholdError, invalid, notFound } from "../errors.ts";
import { LoginLimits } from "./loginLimiter.ts";
import { DUMMY_HASH, hashPassword, verifyPassword } from "./password.ts";
import type { AccountsRepo } from "./repo.ts";
import type { SessionUser, User, UserRole } from "./types.ts";

export const SESSION_TTL_MS = 30 * 24 * 3600_000;
const INVITE_TTL_MS = 7 * 24 * 3600_000;
const token = () => randomBytes(32).toString("base64url");
export const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const normEmail = (e: string) => e.trim().toLowerCase();

export interface NewUser { email: string; displayName: string; password: string; role?: UserRole }

export class AccountsService {
  readonly limits = new LoginLimits();

  constructor(private readonly repo: AccountsRepo) {}

  /** The first account becomes admin; later ones need a valid invite token. */
  async signup(u: NewUser & { invite?: string }): Promise<User> {
    const passwordHash = await hashPassword(u.password);
    return this.repo.transaction(async (tx) => {
      // Serialises concurrent first sign-ups so only one becomes admin.
      if (tx.kind === "postgres") await tx.query("LOCK TABLE users IN EXCLUSIVE MODE");
      const n = Number((await tx.one<{ n: string }>("SELECT count(*) AS n FROM users"))!.n);
      let role: UserRole = "admin";
      if (n > 0) {
        const invited = u.invite ? await this.repo.consumeInvite(sha256(u.invite), tx) : undefined;
        if (!invited) throw new FreeholdError("forbidden", "sign-up needs a valid invite from an admin");
        role = invited;
      }
      return this.repo.insertUser({ email: normEmail(u.email), displayName: u.displayName, passwordHash, role }, tx);
    });
  }

  async createUser(u: NewUser): Promise<User> {
    return this.repo.insertUser({ email: normEmail(u.email), displayName: u.displayName, passwordHash: await hashPassword(u.password), role: u.role ?? "member" });
  }

  /** Returns the new session token (for the cookie); rate-limited per email+IP. */
  async login(email: string, password: string, ip: string): Promise<{ token: string; user: User }> {
    const { wait, done } = this.limits.begin(normEmail(email), ip);
    if (wait > 0 || !done) throw new FreeholdError("rate_limited", "too many failed logins; try again later", { retryAfterSeconds: wait });
    const found = await this.repo.byEmail(normEmail(email));
    const ok = await verifyPassword(password, found?.passwordHash ?? (await DUMMY_HASH));
    done(!!found && ok);
    if (!found || !ok) throw new FreeholdError("unauthorized", "wrong email or password");
    // Said only to someone who knows the password, so it reveals nothing to a guesser.
    if (found.disabled) throw new FreeholdError("forbidden", "this account is disabled; ask an admin to enable it");
    const t = token();
    await this.repo.insertSession(sha256(t), found.id, token(), new Date(Date.now() + SESSION_TTL_MS));
    const { passwordHash: _, ...user } = found;
    return { token: t, user };
  }

  async session(t: string | undefined): Promise<SessionUser | undefined> {
    if (!t) return undefined;
    const tokenHash = sha256(t);
    const s = await this.repo.session(tokenHash);
    return s && { ...s, tokenHash };
  }

  logout = (s: SessionUser) => this.repo.deleteSession(s.tokenHash);

  async invite(by: User, role: UserRole = "member"): Promise<{ token: string; expiresAt: Date }> {
    const t = token();
    const expiresAt = new Date(Date.now() + INVITE_TTL_MS);
    await this.repo.insertInvite(sha256(t), by.id, role, expiresAt);
    return { token: t, expiresAt };
  }

  list = () => this.repo.list();

  async update(by: User, id: string, patch: { role?: UserRole; disabled?: boolean; displayName?: string }): Promise<User> {
    if (id === by.id && (patch.disabled || patch.role === "member")) throw invalid("an admin cannot disable or demote themselves");
    const u = await this.repo.update(id, patch);
    if (!u) throw notFound("user not found");
    return u;
  }
}
