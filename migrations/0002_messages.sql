-- Cloud history: one row per message, keyed by app and conversation. A private
-- conversation's key is its ordered pair of users ("a:b" with a < b), so both sides
-- read the same rows; other kinds use their target id.
CREATE TABLE messages (
  app_key           text     NOT NULL,
  conversation_type smallint NOT NULL,
  conversation_key  text     NOT NULL,
  bus_channel       text     NOT NULL DEFAULT '',
  sent_time         bigint   NOT NULL,   -- epoch ms
  message_uid       text     NOT NULL,
  from_user_id      text     NOT NULL,
  target_id         text     NOT NULL,   -- as the sender addressed it
  object_name       text     NOT NULL,
  content           text     NOT NULL,
  -- false for a server-API send without echo: the sender's history does not show it.
  sender_visible    boolean  NOT NULL,
  recalled          boolean  NOT NULL DEFAULT false,
  PRIMARY KEY (app_key, message_uid)
);

-- "Latest N before T" and stable paging: one range scan on this index.
CREATE INDEX messages_by_conversation
  ON messages (app_key, conversation_type, conversation_key, bus_channel, sent_time DESC, message_uid DESC);
