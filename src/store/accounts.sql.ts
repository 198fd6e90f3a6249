import type { AccountStore } from './accounts.js';
import type { SqlClient } from './sql.js';

/** Tables keyed by the user alone (`user_id`). */
const ownRows = ['users', 'user_bans', 'private_chat_mutes', 'friend_permissions'];
/**
 * Rows about a one-to-one or system conversation with the user belong to it too: its
 * own (`user_id`) and the other side's (`target_id`, conversation types 1 and 6).
 */
const conversationRows = ['conversation_states', 'conversation_mutes'];

export function createSqlAccountStore(sql: SqlClient): AccountStore {
  return {
    purge(appKey, userId) {
      return sql.transaction(async (tx) => {
        for (const table of ownRows) await tx.query(`DELETE FROM ${table} WHERE app_key = $1 AND user_id = $2`, [appKey, userId]);
        for (const table of conversationRows) {
          await tx.query(`DELETE FROM ${table} WHERE app_key = $1 AND (user_id = $2 OR (conversation_type IN (1, 6) AND target_id = $2))`, [appKey, userId]);
        }
        await tx.query('DELETE FROM user_remarks WHERE app_key = $1 AND (user_id = $2 OR target_id = $2)', [appKey, userId]);
        const relations = await tx.query<{ user_id: string; other_user_id: string }>(
          'DELETE FROM user_relations WHERE app_key = $1 AND (user_id = $2 OR other_user_id = $2) RETURNING user_id, other_user_id',
          [appKey, userId],
        );
        // Everything it sent, anywhere, and what it received one-to-one (both sides of those conversations).
        const messages = await tx.query<{ oldest: number | null }>(
          `WITH gone AS (
             DELETE FROM messages WHERE app_key = $1 AND (from_user_id = $2 OR (conversation_type IN (1, 6) AND target_id = $2))
             RETURNING sent_time
           ) SELECT min(sent_time) AS oldest FROM gone`,
          [appKey, userId],
        );
        // An hourly file is made after its hour: every file that may hold those messages is
        // dropped, to be made again (without them) when next asked for. A deleted hour stays deleted.
        const oldest = messages.rows[0]?.oldest;
        if (oldest !== null && oldest !== undefined) {
          await tx.query('DELETE FROM history_exports WHERE app_key = $1 AND archive IS NOT NULL AND created_at >= $2', [appKey, oldest]);
        }
        const others = relations.rows.map((row) => (row.user_id === userId ? row.other_user_id : row.user_id));
        return { relatedUsers: [...new Set(others)] };
      });
    },

    async markDeactivated(appKey, userIds, now) {
      await sql.query(
        `INSERT INTO deactivated_users (app_key, user_id, deactivated_at) SELECT $1, u, $3 FROM unnest($2::text[]) AS u
         ON CONFLICT (app_key, user_id) DO NOTHING`,
        [appKey, userIds, now],
      );
    },

    async unmarkDeactivated(appKey, userIds) {
      await sql.query('DELETE FROM deactivated_users WHERE app_key = $1 AND user_id = ANY($2::text[])', [appKey, userIds]);
    },

    async isDeactivated(appKey, userId) {
      const result = await sql.query('SELECT 1 FROM deactivated_users WHERE app_key = $1 AND user_id = $2', [appKey, userId]);
      return result.rows.length > 0;
    },

    async listDeactivated(appKey, offset, limit) {
      const result = await sql.query<{ user_id: string }>(
        'SELECT user_id FROM deactivated_users WHERE app_key = $1 ORDER BY deactivated_at, user_id OFFSET $2 LIMIT $3',
        [appKey, offset, limit],
      );
      return result.rows.map((row) => row.user_id);
    },
  };
}
