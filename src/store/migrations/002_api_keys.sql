-- API keys. The secret is `fh_<id>_<random>`; only its SHA-256 is kept, so a leaked table
-- cannot be replayed. `id` is the public part of the secret and the lookup key.

CREATE TABLE api_keys (
  id              text PRIMARY KEY,                  -- 8 base62 characters, shown in `keys list`
  name            text NOT NULL,
  hash            text NOT NULL,                     -- hex SHA-256 of the whole secret
  scopes          jsonb NOT NULL DEFAULT '["inference"]', -- inference | models | admin
  rate_per_minute integer,                           -- requests per minute, null = unlimited
  token_quota     bigint,                            -- prompt+completion tokens per UTC day, null = unlimited
  tokens_used     bigint NOT NULL DEFAULT 0,         -- counted for usage_day only
  usage_day       date,                              -- UTC day tokens_used belongs to
  owner           text,                              -- user, once users exist
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz,
  last_used_at    timestamptz,
  revoked_at      timestamptz
);
