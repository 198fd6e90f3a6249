-- Issue 5: what cloud history needs beyond the rows themselves.

-- Unread counting skips not-counted types; expansion only for messages sent with it.
ALTER TABLE messages ADD COLUMN counted boolean NOT NULL DEFAULT true;
ALTER TABLE messages ADD COLUMN expansion boolean NOT NULL DEFAULT false;
-- Expansion key/values: {"key": {"v": "value", "ts": <ms>}}.
ALTER TABLE messages ADD COLUMN extra_content jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Retention deletes each type in batches from its oldest rows, and the hourly export
-- reads one hour of the app: both are range scans on this index.
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (app_key, conversation_type, sent_time);

-- One row per user and conversation: how far the user has read and from when the
-- user cleared its history. Private and system rows are also the list of a user's
-- conversations of those kinds (groups and ultra groups come from membership).
CREATE TABLE conversation_states (
  app_key           text     NOT NULL,
  user_id           text     NOT NULL,
  conversation_type smallint NOT NULL,
  target_id         text     NOT NULL,   -- the conversation as this user sees it
  bus_channel       text     NOT NULL DEFAULT '',
  conversation_key  text     NOT NULL,   -- messages.conversation_key of this conversation
  read_time         bigint   NOT NULL DEFAULT 0,  -- messages at or before it are read
  cleared_before    bigint   NOT NULL DEFAULT 0,  -- messages before it are cleared for this user
  PRIMARY KEY (app_key, user_id, conversation_type, target_id, bus_channel)
);

-- Hourly history files (/message/history.json), served back at a signed URL.
CREATE TABLE history_exports (
  app_key    text   NOT NULL,
  hour       text   NOT NULL,  -- yyyyMMddHH in the app's timezone
  created_at bigint NOT NULL,  -- epoch ms
  archive    bytea,            -- NULL once deleted (/message/history/delete.json)
  PRIMARY KEY (app_key, hour)
);

-- Rows written before this migration: the types that never counted as unread, and each
-- side's private and system conversations (the sender's read up to its own last send).
UPDATE messages SET counted = false
 WHERE object_name IN ('RC:InfoNtf', 'RC:ContactNtf', 'RC:ProfileNtf', 'RC:GrpNtf', 'RC:CmdNtf', 'RC:RcNtf', 'RC:chrmKVNotiMsg');

INSERT INTO conversation_states (app_key, user_id, conversation_type, target_id, bus_channel, conversation_key, read_time)
SELECT app_key, user_id, conversation_type, target_id, bus_channel, min(conversation_key), max(read_time)
FROM (
  SELECT app_key, target_id AS user_id, conversation_type, from_user_id AS target_id, bus_channel, conversation_key, 0::bigint AS read_time
  FROM messages WHERE conversation_type IN (1, 6)
  UNION ALL
  SELECT app_key, from_user_id, conversation_type, target_id, bus_channel, conversation_key, sent_time
  FROM messages WHERE sender_visible AND conversation_type <> 4
) sides
GROUP BY app_key, user_id, conversation_type, target_id, bus_channel;
