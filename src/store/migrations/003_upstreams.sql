-- Upstream backends: remote OpenAI-compatible engines served under a local model name.
-- The API key is either encrypted here (AES-256-GCM, key in <home>/secret.key, never in the
-- database) or named as an environment variable, so a copied database leaks no usable secret.

CREATE TABLE upstreams (
  name              text PRIMARY KEY,             -- the model name clients ask for
  base_url          text NOT NULL,                -- what you would give the OpenAI SDK, e.g. http://host:8000/v1
  remote_model      text,                         -- model name sent upstream; null = same as name
  api_key_encrypted text,                         -- v1:<iv>:<tag>:<ciphertext>, base64url
  api_key_env       text,                         -- name of an environment variable holding the key
  created_at        timestamptz NOT NULL DEFAULT now(),
  CHECK (api_key_encrypted IS NULL OR api_key_env IS NULL)
);
