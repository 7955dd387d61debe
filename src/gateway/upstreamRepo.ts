import { conflict } from "../errors.ts";
import { type Db, isUniqueViolation } from "../store/db.ts";

/** A row of the `upstreams` table (migration 003). The key columns never leave the gateway. */
export interface UpstreamRow {
  name: string;
  baseUrl: string;
  remoteModel: string | null;
  apiKeyEncrypted: string | null;
  apiKeyEnv: string | null;
  createdAt: Date;
}

const fromRow = (r: Record<string, unknown>): UpstreamRow => ({
  name: r.name as string,
  baseUrl: r.base_url as string,
  remoteModel: (r.remote_model as string | null) ?? null,
  apiKeyEncrypted: (r.api_key_encrypted as string | null) ?? null,
  apiKeyEnv: (r.api_key_env as string | null) ?? null,
  createdAt: r.created_at as Date,
});

export class UpstreamRepo {
  constructor(private readonly db: Db) {}

  async insert(row: Omit<UpstreamRow, "createdAt">): Promise<UpstreamRow> {
    try {
      const rows = await this.db.query(
        `INSERT INTO upstreams (name, base_url, remote_model, api_key_encrypted, api_key_env)
         VALUES ($1, $2, $3, $4, $5) RETURNING *`,
        [row.name, row.baseUrl, row.remoteModel, row.apiKeyEncrypted, row.apiKeyEnv],
      );
      return fromRow(rows[0]);
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`an upstream named "${row.name}" already exists`);
      throw e;
    }
  }

  async list(): Promise<UpstreamRow[]> {
    return (await this.db.query("SELECT * FROM upstreams ORDER BY name")).map(fromRow);
  }

  async remove(name: string): Promise<boolean> {
    return (await this.db.query("DELETE FROM upstreams WHERE name = $1 RETURNING name", [name])).length > 0;
  }
}
