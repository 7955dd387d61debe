/** The `settings` table: small JSON values under a key, for state that belongs to the data folder. */
import type { Db } from "../db.ts";

export class SettingsRepo {
  constructor(private readonly db: Db) {}

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return (await this.db.one<{ value: T }>("SELECT value FROM settings WHERE key = $1", [key]))?.value;
  }

  async set(key: string, value: unknown): Promise<void> {
    await this.db.query(
      "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      [key, JSON.stringify(value)],
    );
  }
}
