/** API keys as the rest of Freehold sees them: never the secret, never its hash. */

export const SCOPES = ["inference", "models", "admin"] as const;
/** inference: generate and read models · models: pull, delete, copy, create · admin: everything. */
export type Scope = (typeof SCOPES)[number];

export interface ApiKey {
  /** Public id, the 8 characters after `fh_` in the secret. */
  id: string;
  name: string;
  scopes: Scope[];
  /** Requests per minute (token bucket, per server process); null = unlimited. */
  ratePerMinute: number | null;
  /** Prompt + completion tokens per UTC day; null = unlimited. */
  tokenQuota: number | null;
  /** Tokens used today (UTC day); each day starts from zero. */
  tokensUsed: number;
  owner: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewKey {
  name: string;
  scopes?: Scope[];
  ratePerMinute?: number;
  tokenQuota?: number;
  /** Days from now; omitted = never expires. */
  expiresInDays?: number;
  owner?: string;
}

export function isScope(s: string): s is Scope {
  return (SCOPES as readonly string[]).includes(s);
}
