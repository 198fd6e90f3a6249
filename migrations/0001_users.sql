-- Users of each app: profile carried as sender info, and the token revocation mark.
CREATE TABLE users (
  app_key            text   NOT NULL,
  user_id            text   NOT NULL,
  name               text   NOT NULL DEFAULT '',
  portrait_uri       text   NOT NULL DEFAULT '',
  created_at         bigint NOT NULL,            -- epoch ms
  tokens_valid_after bigint NOT NULL DEFAULT 0,  -- epoch ms; tokens issued before this are refused
  PRIMARY KEY (app_key, user_id)
);

-- The development app created when no IM_APPS is configured, kept so that a
-- restart on the same data keeps working tokens.
CREATE TABLE dev_apps (
  app_key    text PRIMARY KEY,
  app_secret text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
