-- Chatrooms (docs/server-api.md "Chatrooms"). Who is in a room now lives in the chatroom-members
-- store (Redis or memory), not here; these tables hold what an app backend set up.
CREATE TABLE chatrooms (
  app_key              text     NOT NULL,
  room_id              text     NOT NULL,
  name                 text     NOT NULL,
  created_at           bigint   NOT NULL,            -- epoch ms
  destroy_type         smallint NOT NULL DEFAULT 0,  -- 0 after idle, 1 at a fixed time (recorded only)
  destroy_time         integer  NOT NULL DEFAULT 0,  -- minutes
  muted                boolean  NOT NULL DEFAULT false,  -- /chatroom/ban: nobody speaks
  distribution_stopped boolean  NOT NULL DEFAULT false,
  keep_alive           boolean  NOT NULL DEFAULT false,
  PRIMARY KEY (app_key, room_id)
);

-- Timed limits on users: `gag` (may not speak in room_id), `block` (kicked from
-- room_id and kept out) and `ban` (may not speak in any chatroom; room_id '').
-- A row is in force while ends_at (epoch ms) is after now; expired rows are ignored.
CREATE TABLE chatroom_user_limits (
  app_key text   NOT NULL,
  kind    text   NOT NULL CHECK (kind IN ('gag', 'block', 'ban')),
  room_id text   NOT NULL,
  user_id text   NOT NULL,
  ends_at bigint NOT NULL,
  PRIMARY KEY (app_key, kind, room_id, user_id)
);

-- Per-room user lists: `whitelist` (/chatroom/user/whitelist: exempt from gag, ban and
-- room mute) and `mute_whitelist` (/chatroom/user/ban/whitelist: exempt from room mute).
CREATE TABLE chatroom_user_lists (
  app_key text NOT NULL,
  kind    text NOT NULL CHECK (kind IN ('whitelist', 'mute_whitelist')),
  room_id text NOT NULL,
  user_id text NOT NULL,
  PRIMARY KEY (app_key, kind, room_id, user_id)
);

-- Per-app message type lists: `whitelist` (always sendable) and `priority`
-- (/chatroom/message/priority: kept when a busy room sheds messages).
CREATE TABLE chatroom_object_names (
  app_key     text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('whitelist', 'priority')),
  object_name text NOT NULL,
  PRIMARY KEY (app_key, kind, object_name)
);

-- Chatroom custom attributes (docs/server-api.md "Chatrooms"), at most 100 per room.
CREATE TABLE chatroom_entries (
  app_key     text    NOT NULL,
  room_id     text    NOT NULL,
  key         text    NOT NULL,
  value       text    NOT NULL,
  user_id     text    NOT NULL,  -- who set it last
  auto_delete boolean NOT NULL,  -- removed when that user leaves the room
  set_at      bigint  NOT NULL,  -- epoch ms
  PRIMARY KEY (app_key, room_id, key)
);
