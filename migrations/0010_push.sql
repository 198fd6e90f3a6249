-- Issue 14: offline push (docs/push.md).

-- A device's push token (WebSocket op push.register): one per user and device; a token
-- is held by one user of an app at a time (registering it elsewhere moves it).
CREATE TABLE push_tokens (
  app_key    text   NOT NULL,
  user_id    text   NOT NULL,
  device_id  text   NOT NULL,
  provider   text   NOT NULL CHECK (provider IN ('apns', 'fcm')),
  token      text   NOT NULL,
  updated_at bigint NOT NULL,  -- epoch ms
  PRIMARY KEY (app_key, user_id, device_id)
);
CREATE UNIQUE INDEX push_tokens_by_token ON push_tokens (app_key, provider, token);

-- Pushes owed to devices (docs/push.md "Durability"): written before a push is tried, taken
-- by any node whose lease on it ran out, kept a day after it was sent so that a
-- (device, message) is never pushed twice.
CREATE TABLE push_jobs (
  app_key      text    NOT NULL,
  user_id      text    NOT NULL,
  device_id    text    NOT NULL,
  message_uid  text    NOT NULL,
  provider     text    NOT NULL,
  token        text    NOT NULL,
  notification text    NOT NULL,  -- JSON of what is shown (title, body, data, options)
  attempts     integer NOT NULL DEFAULT 0,
  due_at       bigint  NOT NULL,  -- epoch ms of the next attempt
  lease_until  bigint  NOT NULL DEFAULT 0,  -- epoch ms; a node is trying it until then
  sent_at      bigint,            -- epoch ms the provider accepted it
  unacked_seq  bigint,            -- set for a connected device: pushed only if it has not acked this seq by due_at
  created_at   bigint  NOT NULL,
  PRIMARY KEY (app_key, user_id, device_id, message_uid)
);
CREATE INDEX push_jobs_due ON push_jobs (due_at) WHERE sent_at IS NULL;
CREATE INDEX push_jobs_sent ON push_jobs (sent_at) WHERE sent_at IS NOT NULL;

-- Quiet hours (/user/blockPushPeriod/*): no push from start_time (HH:MM:SS, the app's time
-- zone) for period minutes, every day.
CREATE TABLE push_quiet_hours (
  app_key    text     NOT NULL,
  user_id    text     NOT NULL,
  start_time text     NOT NULL,
  period     integer  NOT NULL,
  level      smallint NOT NULL DEFAULT 1,
  PRIMARY KEY (app_key, user_id)
);

-- User tags (/user/tag/set.json): audiences of /push.json and /push/custom.json.
CREATE TABLE user_tags (
  app_key text NOT NULL,
  user_id text NOT NULL,
  tag     text NOT NULL,
  PRIMARY KEY (app_key, user_id, tag)
);
CREATE INDEX user_tags_by_tag ON user_tags (app_key, tag);
