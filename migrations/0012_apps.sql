-- Issue 17: apps live in the database, so the admin API (docs/admin.md) changes them on every
-- node without a restart. IM_APPS / IM_APPS_FILE seed and override rows at boot. Each write
-- takes a new version from the sequence; a node compares versions to learn what changed.
CREATE SEQUENCE app_versions;
CREATE TABLE apps (
  app_key    text   PRIMARY KEY,
  settings   text   NOT NULL,  -- JSON of the app's config (config.ts appSchema) without appKey; holds the secret
  version    bigint NOT NULL DEFAULT nextval('app_versions'),
  updated_at bigint NOT NULL   -- epoch ms
);
