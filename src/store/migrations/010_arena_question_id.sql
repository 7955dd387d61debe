-- An imported FastChat battle keeps its original question_id: exports give it back, and a
-- second import of the same file skips the battles it already holds instead of counting them twice.

ALTER TABLE battles ADD COLUMN question_id text;  -- FastChat's id; null for battles fought here (their id is the uuid)
CREATE UNIQUE INDEX battles_question_id ON battles (question_id) WHERE question_id IS NOT NULL;
