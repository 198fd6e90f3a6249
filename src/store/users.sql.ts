import type { SqlClient } from './sql.js';
import type { DevAppStore, UserRecord, UserStore } from './users.js';

interface UserRow {
  user_id: string;
  name: string;
  portrait_uri: string;
  created_at: number;
  tokens_valid_after: number;
}

export function createSqlUserStore(sql: SqlClient): UserStore {
  return {
    async upsert(appKey, profile, now) {
      await sql.query(
        `INSERT INTO users (app_key, user_id, name, portrait_uri, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app_key, user_id)
         DO UPDATE SET name = EXCLUDED.name, portrait_uri = EXCLUDED.portrait_uri`,
        [appKey, profile.userId, profile.name, profile.portraitUri, now],
      );
    },

    async update(appKey, userId, changes) {
      const result = await sql.query(
        `UPDATE users SET name = COALESCE($3, name), portrait_uri = COALESCE($4, portrait_uri)
         WHERE app_key = $1 AND user_id = $2
         RETURNING user_id`,
        [appKey, userId, changes.name ?? null, changes.portraitUri ?? null],
      );
      return result.rows.length > 0;
    },

    async get(appKey, userId) {
      const result = await sql.query<UserRow>(
        `SELECT user_id, name, portrait_uri, created_at, tokens_valid_after
         FROM users WHERE app_key = $1 AND user_id = $2`,
        [appKey, userId],
      );
      const row = result.rows[0];
      return row && toRecord(row);
    },

    async getMany(appKey, userIds) {
      if (userIds.length === 0) return new Map();
      const result = await sql.query<UserRow>(
        `SELECT user_id, name, portrait_uri, created_at, tokens_valid_after
         FROM users WHERE app_key = $1 AND user_id = ANY($2::text[])`,
        [appKey, userIds],
      );
      return new Map(result.rows.map((row) => [row.user_id, toRecord(row)]));
    },

    async listIds(appKey, afterUserId, limit) {
      const result = await sql.query<{ user_id: string }>(
        'SELECT user_id FROM users WHERE app_key = $1 AND user_id > $2 ORDER BY user_id LIMIT $3',
        [appKey, afterUserId, limit],
      );
      return result.rows.map((row) => row.user_id);
    },

    async expireTokens(appKey, userIds, before) {
      if (userIds.length === 0) return [];
      const result = await sql.query<{ user_id: string }>(
        `UPDATE users SET tokens_valid_after = GREATEST(tokens_valid_after, $3)
         WHERE app_key = $1 AND user_id = ANY($2::text[])
         RETURNING user_id`,
        [appKey, userIds, before],
      );
      return result.rows.map((row) => row.user_id);
    },
  };
}

export function createSqlDevAppStore(sql: SqlClient): DevAppStore {
  return {
    async findOrCreate(create) {
      const candidate = create();
      // Insert-if-absent then read, so concurrent first starts agree on one app.
      await sql.query(
        `INSERT INTO dev_apps (app_key, app_secret)
         SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM dev_apps)`,
        [candidate.appKey, candidate.appSecret],
      );
      const result = await sql.query<{ app_key: string; app_secret: string }>(
        'SELECT app_key, app_secret FROM dev_apps ORDER BY created_at LIMIT 1',
      );
      const row = result.rows[0];
      if (!row) throw new Error('dev_apps is empty right after an insert');
      return { appKey: row.app_key, appSecret: row.app_secret };
    },
  };
}

function toRecord(row: UserRow): UserRecord {
  return {
    userId: row.user_id,
    name: row.name,
    portraitUri: row.portrait_uri,
    createdAt: row.created_at,
    tokensValidAfter: row.tokens_valid_after,
  };
}
