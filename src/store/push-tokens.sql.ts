import type { PushProviderName } from '../model/push.js';
import type { PushTarget, PushTokenStore } from './push-tokens.js';
import type { SqlClient } from './sql.js';

interface TokenRow {
  user_id: string;
  device_id: string;
  provider: PushProviderName;
  token: string;
}

export function createSqlPushTokenStore(sql: SqlClient): PushTokenStore {
  return {
    register(appKey, { userId, deviceId, provider, token }, now) {
      return sql.transaction(async (tx) => {
        // The token's previous owner (another user, or this user's other device) loses it.
        await tx.query(
          'DELETE FROM push_tokens WHERE app_key = $1 AND provider = $2 AND token = $3 AND (user_id <> $4 OR device_id <> $5)',
          [appKey, provider, token, userId, deviceId],
        );
        await tx.query(
          `INSERT INTO push_tokens (app_key, user_id, device_id, provider, token, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (app_key, user_id, device_id) DO UPDATE SET provider = EXCLUDED.provider, token = EXCLUDED.token, updated_at = EXCLUDED.updated_at`,
          [appKey, userId, deviceId, provider, token, now],
        );
      });
    },

    async unregister(appKey, userId, deviceId) {
      await sql.query('DELETE FROM push_tokens WHERE app_key = $1 AND user_id = $2 AND device_id = $3', [appKey, userId, deviceId]);
    },

    async targets(appKey, userIds, { conversationType, targetId, busChannel }, now) {
      if (userIds.length === 0) return { devices: [], groupName: '' };
      const result = await sql.query<TokenRow & { unpush_level: number; start_time: string | null; period: number | null; level: number | null; group_name: string | null }>(
        `SELECT t.user_id, t.device_id, t.provider, t.token,
                CASE $3::smallint WHEN 3 THEN (SELECT name FROM groups g WHERE g.app_key = $1 AND g.group_id = $4)
                                  WHEN 10 THEN (SELECT name FROM ultra_groups g WHERE g.app_key = $1 AND g.group_id = $4) END AS group_name,
                COALESCE(m.unpush_level,
                         (SELECT unpush_level FROM conversation_mutes mt
                          WHERE mt.app_key = t.app_key AND mt.user_id = t.user_id AND mt.conversation_type = $3 AND mt.target_id = '' LIMIT 1),
                         0) AS unpush_level,
                q.start_time, q.period, q.level
         FROM push_tokens t
         LEFT JOIN users u ON u.app_key = t.app_key AND u.user_id = t.user_id
         LEFT JOIN conversation_mutes m ON m.app_key = t.app_key AND m.user_id = t.user_id
              AND m.conversation_type = $3 AND m.target_id = $4 AND m.bus_channel = $5
         LEFT JOIN push_quiet_hours q ON q.app_key = t.app_key AND q.user_id = t.user_id
         WHERE t.app_key = $1 AND t.user_id = ANY($2::text[])
           AND t.updated_at >= COALESCE(u.tokens_valid_after, 0)
           AND NOT EXISTS (SELECT 1 FROM user_bans b WHERE b.app_key = t.app_key AND b.user_id = t.user_id AND b.ends_at > $6)`,
        [appKey, userIds, conversationType, targetId, busChannel, now],
        // Read for every pushed kind of message in an app with tokens: planned once per connection.
        { prepared: 'push-tokens-targets' },
      );
      const devices = result.rows.map((row): PushTarget => ({
        userId: row.user_id,
        deviceId: row.device_id,
        provider: row.provider,
        token: row.token,
        unpushLevel: Number(row.unpush_level),
        ...(row.start_time !== null && { quietHours: { startTime: row.start_time, period: Number(row.period), level: Number(row.level) } }),
      }));
      return { devices, groupName: result.rows[0]?.group_name ?? '' };
    },

    async setQuietHours(appKey, userId, { startTime, period, level }) {
      await sql.query(
        `INSERT INTO push_quiet_hours (app_key, user_id, start_time, period, level) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (app_key, user_id) DO UPDATE SET start_time = EXCLUDED.start_time, period = EXCLUDED.period, level = EXCLUDED.level`,
        [appKey, userId, startTime, period, level],
      );
    },

    async getQuietHours(appKey, userId) {
      const result = await sql.query<{ start_time: string; period: number; level: number }>(
        'SELECT start_time, period, level FROM push_quiet_hours WHERE app_key = $1 AND user_id = $2',
        [appKey, userId],
      );
      const row = result.rows[0];
      return row && { startTime: row.start_time, period: Number(row.period), level: Number(row.level) };
    },

    async deleteQuietHours(appKey, userId) {
      await sql.query('DELETE FROM push_quiet_hours WHERE app_key = $1 AND user_id = $2', [appKey, userId]);
    },

    async removeToken(appKey, provider, token) {
      await sql.query('DELETE FROM push_tokens WHERE app_key = $1 AND provider = $2 AND token = $3', [appKey, provider, token]);
    },

    async appsWithTokens() {
      const result = await sql.query<{ app_key: string }>('SELECT DISTINCT app_key FROM push_tokens');
      return result.rows.map((row) => row.app_key);
    },
  };
}
