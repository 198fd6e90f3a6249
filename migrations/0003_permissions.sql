-- One table for the one-to-one relations a user keeps: `block` (user_id blocks
-- other_user_id), `allow` (user_id accepts client messages only from those listed) and
-- `friend` (user_id counts other_user_id as a friend; one row per direction).
CREATE TABLE user_relations (
  app_key       text   NOT NULL,
  kind          text   NOT NULL CHECK (kind IN ('block', 'allow', 'friend')),
  user_id       text   NOT NULL,
  other_user_id text   NOT NULL,
  created_at    bigint NOT NULL,
  PRIMARY KEY (app_key, kind, user_id, other_user_id)
);

-- Banned users (/user/block.json): refused until ends_at (epoch ms).
CREATE TABLE user_bans (
  app_key text   NOT NULL,
  user_id text   NOT NULL,
  ends_at bigint NOT NULL,
  PRIMARY KEY (app_key, user_id)
);

CREATE TABLE sensitive_words (
  app_key      text     NOT NULL,
  word         text     NOT NULL,
  replace_word text     NOT NULL DEFAULT '',
  type         smallint NOT NULL CHECK (type IN (0, 1)),
  PRIMARY KEY (app_key, word)
);

-- Push mute per conversation and per conversation type (changes push, never delivery).
CREATE TABLE conversation_mutes (
  app_key           text     NOT NULL,
  user_id           text     NOT NULL,
  conversation_type smallint NOT NULL,
  target_id         text     NOT NULL,  -- '' for the whole conversation type
  bus_channel       text     NOT NULL DEFAULT '',
  unpush_level      smallint NOT NULL,
  PRIMARY KEY (app_key, user_id, conversation_type, target_id, bus_channel)
);
