/** The `users`, `sessions` and `invites` tables. Password hashes never leave this file except for verification. */
import { conflict } from "../errors.ts";
import { type Db, isUniqueViolation } from "../store/db.ts";
import { fromRow, isUuid } from "../store/repos/columns.ts";
import type { User, UserRole } from "./types.ts";

const USER_COLS = "id, email, display_name, role, disabled, created_at";
const toUser = (r: Record<string, unknown>) => fromRow<User>(r);

export class AccountsRepo {
  constructor(private readonly db: Db) {}

  count = async () => Number((await this.db.one<{ n: string }>("SELECT count(*) AS n FROM users"))!.n);

  async insertUser(u: { email: string; displayName: string; passwordHash: string; role: UserRole }, db = this.db): Promise<User> {
    try {
      const row = await db.one(
        `INSERT INTO users (email, display_name, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING ${USER_COLS}`,
        [u.email, u.displayName, u.passwordHash, u.role],
      );
      return toUser(row!);
    } catch (err) {
      if (isUniqueViolation(err)) throw conflict("an account with this email already exists");
      throw err;
    }
  }

  async byEmail(email: string): Promise<(User & { passwordHash: string }) | undefined> {
    const row = await this.db.one(`SELECT ${USER_COLS}, password_hash FROM users WHERE email = $1`, [email]);
    return row && fromRow(row);
  }

  async byId(id: string): Promise<User | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one(`SELECT ${USER_COLS} FROM users WHERE id = $1`, [id]);
    return row && toUser(row);
  }

  list = async () => (await this.db.query(`SELECT ${USER_COLS} FROM users ORDER BY created_at`)).map(toUser);

  async update(id: string, patch: { role?: UserRole; disabled?: boolean; displayName?: string }): Promise<User | undefined> {
    if (!isUuid(id)) return undefined;
    const row = await this.db.one(
      `UPDATE users SET role = coalesce($2, role), disabled = coalesce($3, disabled), display_name = coalesce($4, display_name)
       WHERE id = $1 RETURNING ${USER_COLS}`,
      [id, patch.role ?? null, patch.disabled ?? null, patch.displayName ?? null],
    );
    return row && toUser(row);
  }

  async insertSession(tokenHash: string, userId: string, csrf: string, expiresAt: Date): Promise<void> {
    await this.db.query("DELETE FROM sessions WHERE expires_at < now()"); // expired rows are swept at each login
    await this.db.query("INSERT INTO sessions (token_hash, user_id, csrf, expires_at) VALUES ($1, $2, $3, $4)", [tokenHash, userId, csrf, expiresAt]);
  }

  /** Live session of an enabled user only: disabling a user ends their sessions at once. */
  async session(tokenHash: string): Promise<{ user: User; csrf: string } | undefined> {
    const row = await this.db.one<Record<string, unknown>>(
      `SELECT u.id, u.email, u.display_name, u.role, u.disabled, u.created_at, s.csrf FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > now() AND NOT u.disabled`,
      [tokenHash],
    );
    if (!row) return undefined;
    const { csrf, ...user } = row;
    return { user: toUser(user), csrf: csrf as string };
  }

  deleteSession = async (tokenHash: string) => { await this.db.query("DELETE FROM sessions WHERE token_hash = $1", [tokenHash]); };

  async insertInvite(tokenHash: string, createdBy: string, role: UserRole, expiresAt: Date): Promise<void> {
    await this.db.query("INSERT INTO invites (token_hash, created_by, role, expires_at) VALUES ($1, $2, $3, $4)", [tokenHash, createdBy, role, expiresAt]);
  }

  /** Marks the invite used in `db` (the sign-up transaction); undefined when unknown, used or expired. */
  async consumeInvite(tokenHash: string, db: Db): Promise<UserRole | undefined> {
    const row = await db.one<{ role: UserRole }>(
      "UPDATE invites SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING role",
      [tokenHash],
    );
    return row?.role;
  }

  transaction = <T>(fn: (tx: Db) => Promise<T>) => this.db.transaction(fn);
}
