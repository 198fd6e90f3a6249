-- Issue 18: cloud history range-partitioned by sent_time, one partition per UTC month, so that
-- retention drops whole months (docs/decisions.md "Partitioned history"). The existing table
-- becomes the first partition, `messages_legacy`, holding every time up to the start of next
-- month: no row moves, so this runs on a live database. Its two linear steps (a unique index
-- and a scan proving the range) can be done beforehand without blocking writes, and are then
-- skipped here (docs/many-nodes.md "Upgrading to partitioned history"): a validated
-- `messages_before_partitions CHECK (sent_time < X)` moves the first partition's end to X.
DO $migration$
DECLARE
  declared bigint;
  next_month bigint := (extract(epoch FROM date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') * 1000)::bigint;
  month_after bigint;
BEGIN
  SELECT substring(pg_get_constraintdef(oid) FROM '(\d+)')::bigint INTO declared
    FROM pg_constraint WHERE conrelid = 'messages'::regclass AND conname = 'messages_before_partitions' AND convalidated;
  next_month := greatest(next_month, coalesce(declared, 0));
  month_after := (extract(epoch FROM date_trunc('month', to_timestamp(next_month / 1000) AT TIME ZONE 'UTC') + interval '1 month') * 1000)::bigint;

  -- A partitioned table's unique keys must hold the partition key. sent_time is read from the
  -- message id (src/core/message-uid.ts), so (app_key, message_uid, sent_time) is as unique as
  -- (app_key, message_uid) was, and a retried send still writes nothing twice.
  CREATE UNIQUE INDEX IF NOT EXISTS messages_legacy_pkey ON messages (app_key, message_uid, sent_time);
  ALTER TABLE messages DROP CONSTRAINT messages_pkey;
  ALTER TABLE messages ADD CONSTRAINT messages_legacy_pkey PRIMARY KEY USING INDEX messages_legacy_pkey;
  ALTER INDEX messages_by_conversation RENAME TO messages_legacy_by_conversation;
  ALTER INDEX messages_by_age RENAME TO messages_legacy_by_age;
  ALTER TABLE messages RENAME TO messages_legacy;

  CREATE TABLE messages (LIKE messages_legacy INCLUDING DEFAULTS) PARTITION BY RANGE (sent_time);
  ALTER TABLE messages ADD PRIMARY KEY (app_key, message_uid, sent_time);
  -- "Latest N before T" and stable paging: one range scan per partition.
  CREATE INDEX messages_by_conversation
    ON messages (app_key, conversation_type, conversation_key, bus_channel, sent_time DESC, message_uid DESC);
  -- Retention's batches within the boundary month and the hourly export.
  CREATE INDEX messages_by_age ON messages (app_key, conversation_type, sent_time);

  -- The old indexes match the new ones and are adopted, not rebuilt. The scan proving every
  -- row is before next_month is skipped when the validated CHECK above already says so.
  EXECUTE format('ALTER TABLE messages ATTACH PARTITION messages_legacy FOR VALUES FROM (MINVALUE) TO (%s)', next_month);
  EXECUTE format('CREATE TABLE %I PARTITION OF messages FOR VALUES FROM (%s) TO (%s)',
                 'messages_p' || to_char(to_timestamp(next_month / 1000) AT TIME ZONE 'UTC', 'YYYYMM'), next_month, month_after);
END
$migration$;
