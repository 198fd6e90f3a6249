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
      const result = await sql.query<{ created_at: number }>(
        `INSERT INTO users (app_key, user_id, name, portrait_uri, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app_key, user_id)
         DO UPDATE SET name = EXCLUDED.name, portrait_uri = EXCLUDED.portrait_uri
         RETURNING created_at`,
        [appKey, profile.userId, profile.name, profile.portraitUri, now],
      );
      return Number(result.rows[0]?.created_at ?? now);
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

    async page(appKey, offset, limit, descending) {
      const order = descending ? 'DESC' : 'ASC';
      const [rows, count] = await Promise.all([
        sql.query<UserRow>(
          `SELECT user_id, name, portrait_uri, created_at, tokens_valid_after FROM users WHERE app_key = $1
           ORDER BY created_at ${order}, user_id ${order} OFFSET $2 LIMIT $3`,
          [appKey, offset, limit],
        ),
        sql.query<{ n: number }>('SELECT count(*)::int AS n FROM users WHERE app_key = $1', [appKey]),
      ]);
      return { total: Number(count.rows[0]?.n ?? 0), users: rows.rows.map(toRecord) };
    },

    async setRemarks(appKey, userId, remarks) {
      await sql.query(
        `INSERT INTO user_remarks (app_key, user_id, target_id, remark)
         SELECT $1, $2, r.target_id, r.remark FROM unnest($3::text[], $4::text[]) AS r(target_id, remark)
         ON CONFLICT (app_key, user_id, target_id) DO UPDATE SET remark = EXCLUDED.remark`,
        [appKey, userId, remarks.map((r) => r.targetId), remarks.map((r) => r.remark)],
      );
    },

    async deleteRemark(appKey, userId, targetId) {
      await sql.query('DELETE FROM user_remarks WHERE app_key = $1 AND user_id = $2 AND target_id = $3', [appKey, userId, targetId]);
    },

    async remarks(appKey, userId, offset, limit) {
      const [rows, count] = await Promise.all([
        sql.query<{ target_id: string; remark: string }>(
          'SELECT target_id, remark FROM user_remarks WHERE app_key = $1 AND user_id = $2 ORDER BY target_id OFFSET $3 LIMIT $4',
          [appKey, userId, offset, limit],
        ),
        sql.query<{ n: number }>('SELECT count(*)::int AS n FROM user_remarks WHERE app_key = $1 AND user_id = $2', [appKey, userId]),
      ]);
      return { total: Number(count.rows[0]?.n ?? 0), remarks: rows.rows.map((row) => ({ targetId: row.target_id, remark: row.remark })) };
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
