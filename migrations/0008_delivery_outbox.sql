-- The inbox entries a committed send still owes (docs/reliability.md): written in the same
-- statement as the send's history rows, deleted once the entries are in the inboxes. A
-- row older than a few seconds is a send whose appends failed or whose node died: the
-- relay on any node appends it (skipping entries already there).
CREATE TABLE inbox_outbox (
  app_key    text   NOT NULL,
  send_id    text   NOT NULL,  -- the send's stamp: its sentTime and first id
  created_at bigint NOT NULL,  -- epoch ms
  taken_at   bigint NOT NULL,  -- epoch ms a relay last took it (created_at at first)
  appends    text   NOT NULL,  -- JSON {"p": [payloads], "a": [[userId, payload index, messageUId], …]}
  PRIMARY KEY (app_key, send_id)
);
CREATE INDEX inbox_outbox_by_taken ON inbox_outbox (taken_at);

-- App-wide sends (/message/broadcast) as durable jobs: any node takes a job whose lease ran
-- out and goes on from the last user it reached.
CREATE TABLE broadcast_jobs (
  app_key     text   NOT NULL,
  message_uid text   NOT NULL,
  created_at  bigint NOT NULL,
  send        text   NOT NULL,  -- JSON of the send (without the app)
  after_user  text   NOT NULL DEFAULT '',  -- users up to this id have it
  delivered   bigint NOT NULL DEFAULT 0,   -- users reached so far
  state       text   NOT NULL DEFAULT 'running',  -- running | done | failed
  error       text   NOT NULL DEFAULT '',
  lease_until bigint NOT NULL DEFAULT 0,   -- epoch ms; a node holds the job until then
  PRIMARY KEY (app_key, message_uid)
);
CREATE INDEX broadcast_jobs_running ON broadcast_jobs (lease_until) WHERE state = 'running';
