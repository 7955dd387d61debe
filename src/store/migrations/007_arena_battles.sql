-- Arena battles become live: multi-turn conversations streamed to both sides, timing per side,
-- the moment of the vote (names are revealed only after it), how the pair was drawn, and who
-- set the category. A battle with voted_at NULL has no vote yet and must never show its models.

ALTER TABLE battles ADD COLUMN turns jsonb NOT NULL DEFAULT '[]';            -- [{prompt, a: {text, stopped, error?, timing}, b: {...}}]
ALTER TABLE battles ADD COLUMN timing jsonb NOT NULL DEFAULT '{}';           -- per side: ttft of the first turn, summed duration and tokens
ALTER TABLE battles ADD COLUMN voted_at timestamptz;
ALTER TABLE battles ADD COLUMN draw jsonb NOT NULL DEFAULT '{}';             -- sampling strategy, pool, number of candidates
ALTER TABLE battles ADD COLUMN category_source text NOT NULL DEFAULT 'auto'
  CHECK (category_source IN ('auto', 'admin', 'import'));

-- Rows written before this migration carry their vote already: it was cast when they were made.
UPDATE battles SET voted_at = created_at WHERE winner IS NOT NULL;

CREATE INDEX battles_user_created ON battles (user_id, created_at DESC);
CREATE INDEX battles_user_voted ON battles (user_id, voted_at) WHERE voted_at IS NOT NULL;
