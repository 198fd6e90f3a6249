import type { FriendPermission, FriendStore } from './friends.js';
import type { SqlClient } from './sql.js';

export function createSqlFriendStore(sql: SqlClient): FriendStore {
  return {
    async page(appKey, userId, after, limit, descending) {
      const direction = descending ? 'DESC' : 'ASC';
      const result = await sql.query<{ other_user_id: string; created_at: number }>(
        `SELECT other_user_id, created_at FROM user_relations
         WHERE app_key = $1 AND kind = 'friend' AND user_id = $2
           AND ($3::bigint IS NULL OR (created_at, other_user_id) ${descending ? '<' : '>'} ($3, $4))
         ORDER BY created_at ${direction}, other_user_id ${direction} LIMIT $5`,
        [appKey, userId, after?.since ?? null, after?.userId ?? '', limit],
      );
      return result.rows.map((row) => ({ userId: row.other_user_id, since: Number(row.created_at) }));
    },

    async count(appKey, userId) {
      const result = await sql.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM user_relations WHERE app_key = $1 AND kind = 'friend' AND user_id = $2",
        [appKey, userId],
      );
      return Number(result.rows[0]?.n ?? 0);
    },

    async clean(appKey, userId) {
      const result = await sql.query<{ user_id: string; other_user_id: string }>(
        `DELETE FROM user_relations WHERE app_key = $1 AND kind = 'friend' AND (user_id = $2 OR other_user_id = $2)
         RETURNING user_id, other_user_id`,
        [appKey, userId],
      );
      return [...new Set(result.rows.map((row) => (row.user_id === userId ? row.other_user_id : row.user_id)))];
    },

    async setPermission(appKey, userIds, permission) {
      await sql.query(
        `INSERT INTO friend_permissions (app_key, user_id, permission_type) SELECT $1, u, $3 FROM unnest($2::text[]) AS u
         ON CONFLICT (app_key, user_id) DO UPDATE SET permission_type = EXCLUDED.permission_type`,
        [appKey, userIds, permission],
      );
    },

    async permissions(appKey, userIds) {
      const result = await sql.query<{ user_id: string; permission_type: number }>(
        'SELECT user_id, permission_type FROM friend_permissions WHERE app_key = $1 AND user_id = ANY($2::text[])',
        [appKey, userIds],
      );
      return new Map(result.rows.map((row) => [row.user_id, row.permission_type as FriendPermission]));
    },
  };
}
