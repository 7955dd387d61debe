-- A failed answer is stored with its error (and any partial text) instead of leaving the prompt
-- as the branch's last message; a shared conversation shows the branch as it was when shared.

ALTER TABLE messages ADD COLUMN error text;  -- why generating this answer failed; null when it did not

ALTER TABLE shares ADD COLUMN leaf_id uuid REFERENCES messages(id) ON DELETE CASCADE;
-- Shares made before this: the active branch's deepest message no newer than the share.
UPDATE shares s SET leaf_id = (
  WITH RECURSIVE path AS (
    SELECT m.id, m.parent_id, m.created_at FROM messages m JOIN conversations c ON c.current_leaf = m.id WHERE c.id = s.conversation_id
    UNION ALL
    SELECT p.id, p.parent_id, p.created_at FROM messages p JOIN path ON p.id = path.parent_id
  )
  SELECT id FROM path WHERE created_at <= s.created_at ORDER BY created_at DESC LIMIT 1
) WHERE s.conversation_id IS NOT NULL;

-- Conversations a failure left ending in a prompt with no answer get that failed answer, so a
-- follow-up (which must come after an answer) works again.
WITH added AS (
  INSERT INTO messages (conversation_id, parent_id, role, content, model, params, error)
  SELECT m.conversation_id, m.id, 'assistant', '', m.model, m.params, 'the answer failed and was not stored'
  FROM messages m WHERE m.role = 'user' AND NOT EXISTS (SELECT 1 FROM messages k WHERE k.parent_id = m.id)
  RETURNING id, parent_id
)
UPDATE conversations c SET current_leaf = added.id FROM added WHERE c.current_leaf = added.parent_id;
