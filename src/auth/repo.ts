/** The `api_keys` table. Reads never return the hash except through `getForVerify`. */
import type { Db } from "../store/db.ts";
import { fromRow } from "../store/repos/columns.ts";
import type { ApiKey, Scope } from "./types.ts";

/** The UTC day quotas count against, whatever the server's time zone. */
const TODAY = "(now() AT TIME ZONE 'UTC')::date";

const COLUMNS = `id, name, scopes, rate_per_minute, token_quota, owner, created_at, expires_at, last_used_at,
  revoked_at, CASE WHEN usage_day = ${TODAY} THEN tokens_used ELSE 0 END AS tokens_used`;

export interface KeyRow {
  id: string;
  name: string;
  hash: string;
  scopes: Scope[];
  ratePerMinute?: number;
  tokenQuota?: number;
  expiresAt?: Date;
  owner?: string;
}

export class KeysRepo {
  constructor(private readonly db: Db) {}

  async insert(k: KeyRow): Promise<ApiKey> {
    const row = await this.db.one(
      `INSERT INTO api_keys (id, name, hash, scopes, rate_per_minute, token_quota, expires_at, owner)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [k.id, k.name, k.hash, JSON.stringify(k.scopes), k.ratePerMinute ?? null, k.tokenQuota ?? null,
        k.expiresAt ?? null, k.owner ?? null],
    );
    return fromRow<ApiKey>(row!);
  }

  async get(id: string): Promise<ApiKey | undefined> {
    const row = await this.db.one(`SELECT ${COLUMNS} FROM api_keys WHERE id = $1`, [id]);
    return row && fromRow<ApiKey>(row);
  }

  /** The record and its hash, for checking a presented secret. */
  async getForVerify(id: string): Promise<{ key: ApiKey; hash: string } | undefined> {
    const row = await this.db.one<Record<string, unknown> & { hash: string }>(
      `SELECT ${COLUMNS}, hash FROM api_keys WHERE id = $1`, [id],
    );
    if (!row) return undefined;
    const { hash, ...rest } = row;
    return { key: fromRow<ApiKey>(rest), hash };
  }

  /** Oldest first. */
  async list(): Promise<ApiKey[]> {
    const rows = await this.db.query(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
    return rows.map((r) => fromRow<ApiKey>(r));
  }

  /** Keys that can still authenticate (not revoked, not expired). */
  async countUsable(): Promise<number> {
    const row = await this.db.one<{ n: number }>(
      "SELECT count(*)::int AS n FROM api_keys WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())",
    );
    return row?.n ?? 0;
  }

  /** Marks the key revoked (idempotent: the first revocation time is kept). */
  async revoke(id: string): Promise<ApiKey | undefined> {
    const row = await this.db.one(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING ${COLUMNS}`, [id],
    );
    return row && fromRow<ApiKey>(row);
  }

  /** Adds tokens to today's count in one statement (safe with several nodes); returns the new total. */
  async addUsage(id: string, tokens: number): Promise<number | undefined> {
    const row = await this.db.one<{ tokens_used: number }>(
      `UPDATE api_keys SET
         tokens_used = CASE WHEN usage_day = ${TODAY} THEN tokens_used + $2 ELSE $2 END,
         usage_day = ${TODAY}
       WHERE id = $1 RETURNING tokens_used`,
      [id, tokens],
    );
    return row?.tokens_used;
  }

  async touch(id: string): Promise<void> {
    await this.db.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [id]);
  }
}
