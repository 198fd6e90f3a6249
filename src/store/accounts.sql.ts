import type { AccountStore } from './accounts.js';
import { decodeAppends, encodeAppends } from './outbox.sql.js';
import type { SqlClient, SqlQueryable } from './sql.js';

/** Tables keyed by the user alone (`user_id`). */
const ownRows = ['users', 'user_bans', 'private_chat_mutes', 'friend_permissions', 'push_tokens', 'push_jobs', 'push_quiet_hours', 'user_tags'];
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
        await forgetOwedAppends(tx, appKey, userId);
        // Its broadcasts go like the rest of what it sent (a running one stops at its next page);
        // a job whose cursor names it goes on from the registered user before it, which reaches the same users.
        await tx.query(`DELETE FROM broadcast_jobs WHERE app_key = $1 AND send::jsonb ->> 'fromUserId' = $2`, [appKey, userId]);
        await tx.query(
          `UPDATE broadcast_jobs SET after_user = COALESCE((SELECT max(user_id) FROM users WHERE app_key = $1 AND user_id < $2), '')
           WHERE app_key = $1 AND after_user = $2`,
          [appKey, userId],
        );
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

/**
 * The inbox appends committed sends still owe the user (inbox_outbox) are dropped, so the
 * relay does not give a deleted account an inbox again; what they owe other users stays,
 * as the copies already in other users' inboxes do. The outbox holds seconds of sends.
 */
async function forgetOwedAppends(tx: SqlQueryable, appKey: string, userId: string): Promise<void> {
  const owed = await tx.query<{ send_id: string; appends: string }>(
    'SELECT send_id, appends FROM inbox_outbox WHERE app_key = $1 AND position($2 in appends) > 0 FOR UPDATE',
    [appKey, userId],
  );
  for (const row of owed.rows) {
    const appends = decodeAppends(row.appends);
    const kept = appends.filter((item) => item.userId !== userId);
    if (kept.length === appends.length) continue;
    if (kept.length === 0) await tx.query('DELETE FROM inbox_outbox WHERE app_key = $1 AND send_id = $2', [appKey, row.send_id]);
    else await tx.query('UPDATE inbox_outbox SET appends = $3 WHERE app_key = $1 AND send_id = $2', [appKey, row.send_id, encodeAppends(kept)]);
  }
}
