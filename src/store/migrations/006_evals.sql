-- Evals: a suite (its cases, keyed by a hash of the content so a run is tied to exactly what it
-- scored), runs over several models, and one result row per (run, model, case). A row is written
-- as soon as its case finishes, so a crashed or interrupted run resumes by skipping existing rows.

CREATE TABLE eval_suites (
  id         text PRIMARY KEY,                     -- sha256 of the normalised cases
  name       text NOT NULL,
  cases      jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE eval_runs (
  id         text PRIMARY KEY,
  suite_id   text NOT NULL REFERENCES eval_suites(id),
  models     jsonb NOT NULL,                       -- model names in the order given
  status     text NOT NULL DEFAULT 'running',      -- running | succeeded | failed | interrupted
  error      text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE eval_results (
  run_id            text NOT NULL REFERENCES eval_runs(id) ON DELETE CASCADE,
  model             text NOT NULL,
  case_id           text NOT NULL,
  output            text NOT NULL,
  score             double precision NOT NULL,     -- 0..1
  detail            jsonb,                         -- scorer notes (judge verdicts, extracted value)
  latency_ms        double precision NOT NULL,
  prompt_tokens     integer NOT NULL,
  completion_tokens integer NOT NULL,
  tokens_per_s      double precision,
  created_at        timestamptz NOT NULL DEFAULT now(),
  UNIQUE (run_id, model, case_id)
);
