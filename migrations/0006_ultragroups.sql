-- Ultra groups (docs/server-api.md "Ultra groups"): server-maintained membership, channels inside a
-- group, and mute settings. The default channel is '' (the wire's `RCDefault`): it
-- always exists, is public and has no row in ultra_group_channels.
CREATE TABLE ultra_groups (
  app_key    text   NOT NULL,
  group_id   text   NOT NULL,
  name       text   NOT NULL,
  created_at bigint NOT NULL,  -- epoch ms
  PRIMARY KEY (app_key, group_id)
);

CREATE TABLE ultra_group_members (
  app_key   text   NOT NULL,
  group_id  text   NOT NULL,
  user_id   text   NOT NULL,
  joined_at bigint NOT NULL,
  PRIMARY KEY (app_key, group_id, user_id)
);
-- "Ultra groups of a user".
CREATE INDEX ultra_group_members_by_user ON ultra_group_members (app_key, user_id);

CREATE TABLE ultra_group_channels (
  app_key     text    NOT NULL,
  group_id    text    NOT NULL,
  bus_channel text    NOT NULL CHECK (bus_channel <> ''),
  private     boolean NOT NULL,
  created_at  bigint  NOT NULL,
  PRIMARY KEY (app_key, group_id, bus_channel)
);

-- Who may read a private channel (only members of the group count).
CREATE TABLE ultra_group_channel_users (
  app_key     text NOT NULL,
  group_id    text NOT NULL,
  bus_channel text NOT NULL,
  user_id     text NOT NULL,
  PRIMARY KEY (app_key, group_id, bus_channel, user_id)
);

-- Per-scope user lists: `muted` users may not send, `allowed` users may send while
-- the scope is muted as a whole. bus_channel '' is the whole group (every channel).
CREATE TABLE ultra_group_user_lists (
  app_key     text   NOT NULL,
  group_id    text   NOT NULL,
  bus_channel text   NOT NULL,
  kind        text   NOT NULL CHECK (kind IN ('muted', 'allowed')),
  user_id     text   NOT NULL,
  created_at  bigint NOT NULL,
  PRIMARY KEY (app_key, group_id, bus_channel, kind, user_id)
);

-- A row mutes a whole scope ('' the group, else one channel).
CREATE TABLE ultra_group_global_mutes (
  app_key     text NOT NULL,
  group_id    text NOT NULL,
  bus_channel text NOT NULL,
  PRIMARY KEY (app_key, group_id, bus_channel)
);
