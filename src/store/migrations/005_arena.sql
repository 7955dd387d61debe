-- Arena battles: one immutable row per blind side-by-side comparison. Rows are never deleted,
-- so every model variant that ever battled stays on the leaderboard with its vote count.
-- `counted` is false when the vote must not enter the fit (identity leaked, repeat vote,
-- rate limit); `flags` says why.

CREATE TABLE battles (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  created_at timestamptz NOT NULL DEFAULT now(),
  user_id    text,
  prompt     text NOT NULL,
  model_a    text NOT NULL,
  model_b    text NOT NULL,
  variant_a  jsonb NOT NULL DEFAULT '{}',         -- file hash, quantization, adapter, parameters
  variant_b  jsonb NOT NULL DEFAULT '{}',
  answer_a   text NOT NULL DEFAULT '',
  answer_b   text NOT NULL DEFAULT '',
  category   text,
  winner     text CHECK (winner IN ('model_a', 'model_b', 'tie', 'tie (bothbad)')),  -- null until voted
  counted    boolean NOT NULL DEFAULT true,
  flags      jsonb NOT NULL DEFAULT '{}'
);

CREATE INDEX battles_created_at ON battles (created_at);
CREATE INDEX battles_category ON battles (category);
