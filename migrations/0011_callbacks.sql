-- Issue 15: the app backend's event feed (docs/callbacks.md). Every callback an app is owed
-- is a row here, written in the same statement as the message it reports (the commit point,
-- docs/reliability.md), so a node that dies loses none. Rows are delivered in id order per
-- conversation, retried with backoff until the app's horizon, and kept that long for
-- /events/pull.json and /events/replay.json.
CREATE TABLE callback_events (
  id           bigserial PRIMARY KEY,
  app_key      text   NOT NULL,
  dedupe_key   text   NOT NULL,  -- one event per fact: a retried send writes nothing twice
  kind         text   NOT NULL,  -- message.routed | message.recalled | user.online | user.offline
  conversation text   NOT NULL,  -- delivery order is kept within one conversation ('' for status events)
  created_at   bigint NOT NULL,  -- epoch ms (the fact's time, by the node's clock)
  written_at   bigint NOT NULL DEFAULT (extract(epoch FROM clock_timestamp()) * 1000)::bigint,  -- by the database's clock: pulls wait for slower commits
  payload      text   NOT NULL,  -- JSON of the callback's fields
  state        text   NOT NULL DEFAULT 'pending',  -- pending | delivered | failed (given up)
  attempts     integer NOT NULL DEFAULT 0,
  next_at      bigint NOT NULL,  -- epoch ms of the next try while pending
  last_error   text   NOT NULL DEFAULT '',
  delivered_at bigint NOT NULL DEFAULT 0,
  UNIQUE (app_key, dedupe_key)
);
CREATE INDEX callback_events_by_app ON callback_events (app_key, id);
CREATE INDEX callback_events_pending ON callback_events (app_key, conversation, id) WHERE state = 'pending';

-- One node at a time delivers an app's callbacks (keeping per-conversation order without
-- cross-node races); a node that dies lets its lease run out and another takes over.
CREATE TABLE callback_leases (
  lease_key   text   PRIMARY KEY,  -- the app key and the callback it delivers
  node_id     text   NOT NULL,
  lease_until bigint NOT NULL  -- epoch ms
);
