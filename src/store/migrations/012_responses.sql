-- Answers of OpenAI's Responses API kept for `previous_response_id` and GET /v1/responses/{id}
-- (`store`, on by default there). Only the key, web user or open server ("open") that made one
-- can read, continue or delete it.

CREATE TABLE responses (
  id           text PRIMARY KEY,                -- resp_…
  owner        text NOT NULL,
  conversation jsonb NOT NULL,                  -- the chat messages it answered and its answer, without instructions
  input_items  jsonb NOT NULL,                  -- the request's input items, as sent (GET …/input_items)
  response     jsonb NOT NULL,                  -- the Response object as returned
  created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX responses_owner_idx ON responses (owner, created_at);
