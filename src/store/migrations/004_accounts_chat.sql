-- Accounts, cookie sessions, conversations as message trees, private feedback and the share feed (issue 5).

CREATE TABLE users (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email         text NOT NULL UNIQUE,              -- lowercased by the app
  display_name  text NOT NULL,
  password_hash text NOT NULL,                     -- scrypt$N$r$p$salt$hash (base64)
  role          text NOT NULL CHECK (role IN ('admin', 'member')),
  disabled      boolean NOT NULL DEFAULT false,
  created_at    timestamptz NOT NULL DEFAULT now()
);

-- Only SHA-256 of the session token is stored; csrf is the double-submit token for writes.
CREATE TABLE sessions (
  token_hash text PRIMARY KEY,
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf       text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);

CREATE TABLE invites (
  token_hash text PRIMARY KEY,
  created_by uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role       text NOT NULL DEFAULT 'member' CHECK (role IN ('admin', 'member')),
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

CREATE TABLE conversations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id      uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  title         text NOT NULL,
  model         text NOT NULL,
  system_prompt text,
  params        jsonb NOT NULL DEFAULT '{}',
  current_leaf  uuid,                              -- last message of the active branch
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX conversations_owner ON conversations (owner_id, updated_at DESC);

CREATE TABLE messages (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  conversation_id uuid NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
  parent_id       uuid REFERENCES messages(id) ON DELETE CASCADE,
  role            text NOT NULL CHECK (role IN ('user', 'assistant')),
  content         text NOT NULL,
  reasoning       text,
  model           text,
  params          jsonb NOT NULL DEFAULT '{}',
  stopped         boolean NOT NULL DEFAULT false,  -- generation cut short by the client
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX messages_conversation ON messages (conversation_id, created_at);
CREATE INDEX messages_parent ON messages (parent_id);

CREATE TABLE feedback_events (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  message_id uuid NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  model      text,
  params     jsonb NOT NULL DEFAULT '{}',
  kind       text NOT NULL CHECK (kind IN ('thumbs_up', 'thumbs_down', 'regenerate', 'edit', 'copy')),
  reasons    text[] NOT NULL DEFAULT '{}',
  comment    text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX feedback_created ON feedback_events (created_at DESC);

CREATE TABLE shares (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner_id        uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  message_id      uuid REFERENCES messages(id) ON DELETE CASCADE,
  conversation_id uuid REFERENCES conversations(id) ON DELETE CASCADE,
  created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
  CHECK ((message_id IS NULL) <> (conversation_id IS NULL))
);

CREATE TABLE share_likes (
  share_id   uuid NOT NULL REFERENCES shares(id) ON DELETE CASCADE,
  user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (share_id, user_id)
);
