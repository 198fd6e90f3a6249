import type { ConversationStore } from './conversations.js';
import { storedColumns, toStored, type StoredRow } from './history.sql.js';
import type { SqlQueryable } from './sql.js';

const stateKey = 'app_key = $1 AND user_id = $2 AND conversation_type = $3 AND target_id = $4 AND bus_channel = $5';

/** Rows of conversation `c` that `user` (a parameter or a column) can see (retention, clears, sender visibility). */
const visibleRows = (user: string) => `m.app_key = $1 AND m.conversation_type = c.conversation_type AND m.conversation_key = c.conversation_key
  AND m.bus_channel = c.bus_channel AND m.sent_time >= c.not_before AND (m.sender_visible OR m.from_user_id <> ${user})`;

/**
 * The conversation list in one statement: candidates (the user's private and system
 * conversations, groups, ultra group channels it may read); the newest visible row of each
 * (one index probe on messages_by_conversation), of which only the newest `limit`
 * conversations are kept; then, for those only, a bounded count of unread rows. The user's
 * own sends move its read position (history.sql.ts), so that count never steps over them.
 * `user` is the user's id: a parameter, or a column of an outer query (`unreadTotals`).
 */
const listQuery = (user: string) => `
WITH candidates AS (
  SELECT conversation_type, target_id, bus_channel, conversation_key FROM conversation_states
   WHERE app_key = $1 AND user_id = ${user} AND conversation_type IN (1, 6)
  UNION ALL
  SELECT 3, group_id, '', group_id FROM group_members WHERE app_key = $1 AND user_id = ${user}
  UNION ALL
  SELECT 10, group_id, '', group_id FROM ultra_group_members WHERE app_key = $1 AND user_id = ${user}
  UNION ALL
  SELECT 10, ch.group_id, ch.bus_channel, ch.group_id
    FROM ultra_group_members um
    JOIN ultra_group_channels ch ON ch.app_key = um.app_key AND ch.group_id = um.group_id
   WHERE um.app_key = $1 AND um.user_id = ${user}
     AND (NOT ch.private OR EXISTS (SELECT 1 FROM ultra_group_channel_users cu
           WHERE cu.app_key = ch.app_key AND cu.group_id = ch.group_id AND cu.bus_channel = ch.bus_channel AND cu.user_id = ${user}))
), positioned AS (
  SELECT k.conversation_type, k.target_id, k.bus_channel, k.conversation_key, COALESCE(s.read_time, 0) AS read_time, COALESCE(s.pinned, false) AS pinned,
         GREATEST(COALESCE(s.cleared_before, 0), CASE WHEN k.conversation_type = 10 THEN $4::bigint ELSE $3::bigint END) AS not_before
  FROM candidates k
  LEFT JOIN conversation_states s
    ON s.app_key = $1 AND s.user_id = ${user} AND s.conversation_type = k.conversation_type AND s.target_id = k.target_id AND s.bus_channel = k.bus_channel
), newest AS (
  SELECT c.target_id AS conversation_target, c.read_time, c.not_before, c.pinned, latest.*
  FROM positioned c
  CROSS JOIN LATERAL (
    SELECT ${storedColumns} FROM messages m WHERE ${visibleRows(user)}
    ORDER BY m.sent_time DESC, m.message_uid DESC LIMIT 1
  ) latest
  ORDER BY c.pinned DESC, latest.sent_time DESC, latest.message_uid DESC
  LIMIT $5
)
SELECT c.*, unread.n AS unread_count
FROM newest c
CROSS JOIN LATERAL (
  SELECT count(*)::int AS n FROM (
    SELECT 1 FROM messages m
    WHERE ${visibleRows(user)} AND m.sent_time > c.read_time AND m.counted AND NOT m.recalled AND m.from_user_id <> ${user}
    LIMIT $6
  ) counted_rows
) unread
ORDER BY c.pinned DESC, c.sent_time DESC, c.message_uid DESC`;

/** Conversation state and the conversation list in SQL (migrations/0007_history_state.sql). */
export function createSqlConversationStore(sql: SqlQueryable): ConversationStore {
  const upsert = (column: 'read_time' | 'cleared_before', alsoRead: boolean) =>
    `INSERT INTO conversation_states (app_key, user_id, conversation_type, target_id, bus_channel, conversation_key, ${column}${alsoRead ? ', read_time' : ''})
     VALUES ($1, $2, $3, $4, $5, $6, $7${alsoRead ? ', $7' : ''})
     ON CONFLICT (app_key, user_id, conversation_type, target_id, bus_channel)
     DO UPDATE SET ${column} = GREATEST(conversation_states.${column}, EXCLUDED.${column})${alsoRead ? ', read_time = GREATEST(conversation_states.read_time, EXCLUDED.read_time)' : ''}`;
  const markReadSql = upsert('read_time', false);
  const listSql = listQuery('$2');
  // The list of each user of $2, summed: one statement for the badges of a pass of pushes.
  const unreadTotalsSql = `SELECT u.user_id, COALESCE((SELECT sum(l.unread_count) FROM (${listQuery('u.user_id')}) l), 0)::int AS total
    FROM unnest($2::text[]) AS u(user_id)`;
  const clearSql = upsert('cleared_before', true);
  const params = (appKey: string, userId: string, ref: { conversationType: number; targetId: string; busChannel: string; conversationKey: string }, time: number) =>
    [appKey, userId, ref.conversationType, ref.targetId, ref.busChannel, ref.conversationKey, time];

  return {
    async state(appKey, userId, ref) {
      const result = await sql.query<{ read_time: number; cleared_before: number }>(
        `SELECT read_time, cleared_before FROM conversation_states WHERE ${stateKey}`,
        [appKey, userId, ref.conversationType, ref.targetId, ref.busChannel],
      );
      const row = result.rows[0];
      return { readTime: Number(row?.read_time ?? 0), clearedBefore: Number(row?.cleared_before ?? 0) };
    },

    async markRead(appKey, userId, ref, readTime) {
      await sql.query(markReadSql, params(appKey, userId, ref, readTime));
    },

    async clear(appKey, userId, ref, before) {
      // Cleared messages are no longer unread either: the read position moves up to the clear.
      await sql.query(clearSql, params(appKey, userId, ref, before));
    },

    async setPinned(appKey, userId, ref, pinned) {
      await sql.query(
        `INSERT INTO conversation_states (app_key, user_id, conversation_type, target_id, bus_channel, conversation_key, pinned)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (app_key, user_id, conversation_type, target_id, bus_channel) DO UPDATE SET pinned = EXCLUDED.pinned`,
        [appKey, userId, ref.conversationType, ref.targetId, ref.busChannel, ref.conversationKey, pinned],
      );
    },

    async list(appKey, userId, q) {
      const result = await sql.query<StoredRow & { conversation_target: string; unread_count: number; pinned: boolean }>(listSql, [
        appKey, userId, q.privateGroupNotBefore, q.ultraGroupNotBefore, q.limit, q.maxUnread,
      ]);
      return result.rows.map((row) => ({
        conversationType: row.conversation_type,
        targetId: row.conversation_target,
        busChannel: row.bus_channel,
        latest: toStored(row),
        unreadCount: Number(row.unread_count),
        pinned: row.pinned,
      }));
    },

    async unreadTotals(appKey, userIds, q) {
      const result = await sql.query<{ user_id: string; total: number }>(unreadTotalsSql, [appKey, userIds, q.privateGroupNotBefore, q.ultraGroupNotBefore, q.limit, q.maxUnread], { prepared: 'unread-totals' });
      return new Map(result.rows.map((row) => [row.user_id, Number(row.total)]));
    },
  };
}
