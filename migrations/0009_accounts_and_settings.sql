-- Issue 13: account deletion, pinned conversations, push remarks, private-chat mutes and
-- friend-request levels.

-- Deactivated accounts (/user/deactivate.json): while a row is here the user cannot
-- connect or be registered again; everything else of the user is gone. Removed by
-- /user/reactivate.json, after which the user starts empty.
CREATE TABLE deactivated_users (
  app_key        text   NOT NULL,
  user_id        text   NOT NULL,
  deactivated_at bigint NOT NULL,  -- epoch ms
  PRIMARY KEY (app_key, user_id)
);

-- Pinned conversations (/conversation/top/set.json), listed first in the conversation list.
ALTER TABLE conversation_states ADD COLUMN pinned boolean NOT NULL DEFAULT false;

-- Push remarks (/user/remarks/*): the name user_id sees for target_id in notifications.
CREATE TABLE user_remarks (
  app_key   text NOT NULL,
  user_id   text NOT NULL,
  target_id text NOT NULL,
  remark    text NOT NULL,
  PRIMARY KEY (app_key, user_id, target_id)
);

-- Users who may not send one-to-one messages from their devices (/user/chat/fb/set.json).
CREATE TABLE private_chat_mutes (
  app_key    text   NOT NULL,
  user_id    text   NOT NULL,
  created_at bigint NOT NULL,
  PRIMARY KEY (app_key, user_id)
);

-- Who may add a user as a friend (/friend/permission/*): 1 anyone directly, 2 after the
-- user's approval, 3 nobody. No row: 1.
CREATE TABLE friend_permissions (
  app_key         text     NOT NULL,
  user_id         text     NOT NULL,
  permission_type smallint NOT NULL CHECK (permission_type IN (1, 2, 3)),
  PRIMARY KEY (app_key, user_id)
);
