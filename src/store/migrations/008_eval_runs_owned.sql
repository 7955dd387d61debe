-- Evals served by the API and the web app (issue 7): runs have an owner (who may read, cancel and
-- resume them) and the options they were started with (so a resume scores the same way), and a
-- suite (stored once, by content hash) is listed for each owner who imported or built it.
-- Owners are "user:<uuid>" (web app), "key:<id>" (API key) or "local" (CLI, open loopback server).

ALTER TABLE eval_runs ADD COLUMN owner text NOT NULL DEFAULT 'local';
ALTER TABLE eval_runs ADD COLUMN options jsonb NOT NULL DEFAULT '{}';
CREATE INDEX eval_runs_owner ON eval_runs (owner, created_at DESC);
CREATE INDEX eval_runs_suite ON eval_runs (suite_id, updated_at DESC);

CREATE TABLE eval_suite_owners (
  suite_id   text NOT NULL REFERENCES eval_suites(id) ON DELETE CASCADE,
  owner      text NOT NULL,
  name       text NOT NULL,
  source     text NOT NULL DEFAULT 'imported',   -- imported | feedback | feed | builtin
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (suite_id, owner)
);
