-- Tencent IM's group message sequence (MsgSeq, docs/tencent-im.md "Group history by MsgSeq"):
-- each group's messages are numbered 1, 2, 3… in the order their commits reach the database.
-- The commit statement takes the numbers from the group's counter row (one upsert per group
-- per statement) and writes them on the rows. Group rows committed before this migration
-- keep no number; other kinds never have one.
CREATE TABLE group_message_seqs (
  app_key  text   NOT NULL,
  group_id text   NOT NULL,
  last_seq bigint NOT NULL,
  PRIMARY KEY (app_key, group_id)
);

ALTER TABLE messages ADD COLUMN group_seq bigint;

-- "A group's messages with seq <= N": one range scan; only numbered group rows are indexed.
CREATE INDEX messages_by_group_seq ON messages (app_key, conversation_key, group_seq)
  WHERE conversation_type = 3 AND group_seq IS NOT NULL;
