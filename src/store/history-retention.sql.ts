import type { HistoryRetentionStore } from './history-retention.js';
import type { SqlQueryable } from './sql.js';

export function createSqlHistoryRetentionStore(sql: SqlQueryable): HistoryRetentionStore {
  return {
    async deleteMessageBatch(appKey, conversationType, cutoffMs, batchSize) {
      // One type per statement keeps the pick a range scan of messages_by_age that stops
      // after `batchSize` rows; the delete then fetches exactly those rows by their
      // physical address (ctid) instead of joining back to the table. SKIP LOCKED: rows a concurrent sweep (or a recall)
      // holds are left to it or to the next pass instead of making this statement wait.
      const result = await sql.query<{ deleted: number }>(
        `WITH deleted AS (
           DELETE FROM messages WHERE ctid = ANY (ARRAY(
             SELECT ctid FROM messages
             WHERE app_key = $1 AND conversation_type = $2 AND sent_time < $3
             ORDER BY sent_time
             LIMIT $4
             FOR UPDATE SKIP LOCKED))
           RETURNING 1
         )
         SELECT count(*)::int AS deleted FROM deleted`,
        [appKey, conversationType, cutoffMs, batchSize],
      );
      return result.rows[0]?.deleted ?? 0;
    },

    async deleteExportsOlderThan(cutoffMs) {
      const result = await sql.query<{ deleted: number }>(
        `WITH deleted AS (DELETE FROM history_exports WHERE created_at < $1 RETURNING 1)
         SELECT count(*)::int AS deleted FROM deleted`,
        [cutoffMs],
      );
      return result.rows[0]?.deleted ?? 0;
    },
  };
}
