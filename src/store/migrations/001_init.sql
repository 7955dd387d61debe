-- Foundation: models on disk, long-running jobs, key/value settings.

CREATE TABLE models (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name              text NOT NULL UNIQUE,
  path              text NOT NULL,            -- absolute path of the GGUF file
  source            text NOT NULL,            -- import | pull | generated | quantize | upstream ...; open on purpose
  source_ref        text,                     -- e.g. hf:owner/repo:file, or the original path
  sha256            text,
  size_bytes        bigint,
  architecture      text,
  parameter_count   bigint,
  quantization      text,
  context_length    integer,
  expert_count      integer,
  expert_used_count integer,
  chat_template     text,
  description       text,
  metadata          jsonb NOT NULL DEFAULT '{}',
  parent_model_id   uuid REFERENCES models(id) ON DELETE SET NULL,
  created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX models_parent_idx ON models (parent_model_id);

CREATE TABLE jobs (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  kind       text NOT NULL,                   -- quantize | pull | eval | distill ...
  status     text NOT NULL DEFAULT 'queued',  -- queued | running | succeeded | failed | cancelled
  params     jsonb NOT NULL DEFAULT '{}',
  progress   real NOT NULL DEFAULT 0,         -- 0..1
  result     jsonb,
  error      text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Workers look for queued or running jobs, oldest first.
CREATE INDEX jobs_status_idx ON jobs (status, created_at);

CREATE TABLE settings (
  key   text PRIMARY KEY,
  value jsonb NOT NULL
);
