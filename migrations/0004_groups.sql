-- Server-maintained groups (docs/server-api.md "Groups"). A group exists while its row in
-- `groups` does; a group whose last member left stays until dismissed.
CREATE TABLE groups (
  app_key    text   NOT NULL,
  group_id   text   NOT NULL,
  name       text   NOT NULL DEFAULT '',
  created_at bigint NOT NULL,  -- epoch ms
  PRIMARY KEY (app_key, group_id)
);

CREATE TABLE group_members (
  app_key   text   NOT NULL,
  group_id  text   NOT NULL,
  user_id   text   NOT NULL,
  joined_at bigint NOT NULL,  -- epoch ms
  PRIMARY KEY (app_key, group_id, user_id)
);

-- A user's groups (/group/sync, /user/group/query).
CREATE INDEX group_members_by_user ON group_members (app_key, user_id, group_id);

-- Gagged members (/group/user/gag/*): refused until ends_at (epoch ms).
CREATE TABLE group_gags (
  app_key  text   NOT NULL,
  group_id text   NOT NULL,
  user_id  text   NOT NULL,
  ends_at  bigint NOT NULL,
  PRIMARY KEY (app_key, group_id, user_id)
);

-- Whole-group mute (/group/ban/*): only the group's mute whitelist may speak.
CREATE TABLE group_mutes (
  app_key    text   NOT NULL,
  group_id   text   NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (app_key, group_id)
);

-- Who may still speak in a muted group (/group/user/ban/whitelist/*).
CREATE TABLE group_mute_whitelist (
  app_key  text NOT NULL,
  group_id text NOT NULL,
  user_id  text NOT NULL,
  PRIMARY KEY (app_key, group_id, user_id)
);
