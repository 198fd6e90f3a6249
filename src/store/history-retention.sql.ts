import type { HistoryPartition, HistoryPartitions, HistoryRetentionStore } from './history-retention.js';
import type { SqlClient, SqlQueryable } from './sql.js';

/** Arbitrary constant: the one node changing partitions at a time. */
const partitionLockId = 7_453_016;
/** Creating or dropping a partition locks the parent table briefly; behind a long query it gives up (next pass retries) rather than queue sends behind it. */
const partitionLockTimeout = '2s';

const boundPattern = /^FOR VALUES FROM \((?:MINVALUE|'?(-?\d+)'?)\) TO \('?(-?\d+)'?\)$/;

function toPartition(name: string, bound: string): HistoryPartition {
  const match = boundPattern.exec(bound);
  if (!match) throw new Error(`messages partition ${name}: unexpected bound ${bound}`);
  return { name, from: match[1] === undefined ? undefined : Number(match[1]), until: Number(match[2]) };
}

function partitionsOf(tx: SqlQueryable): HistoryPartitions {
  return {
    async list() {
      const result = await tx.query<{ name: string; bound: string }>(
        `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = 'messages'::regclass`,
      );
      return result.rows.map((r) => toPartition(r.name, r.bound)).sort((a, b) => a.until - b.until);
    },
    async create(from, until) {
      const month = new Date(from).toISOString().slice(0, 7).replace('-', '');
      await tx.exec(`CREATE TABLE IF NOT EXISTS messages_p${month} PARTITION OF messages FOR VALUES FROM (${Math.trunc(from)}) TO (${Math.trunc(until)})`);
    },
    async drop(name) {
      await tx.exec(`DROP TABLE "${name.replaceAll('"', '""')}"`);
    },
  };
}

export function createSqlHistoryRetentionStore(sql: SqlClient): HistoryRetentionStore {
  return {
    async deleteMessageBatch(appKey, conversationType, cutoffMs, batchSize) {
      // One type per statement keeps the pick a range scan of messages_by_age (in the partitions
      // before the cutoff) that stops after `batchSize` rows; the delete then finds each by its key
      // in its own partition. SKIP LOCKED: rows a concurrent sweep (or a recall) holds are left
      // to it or to the next pass instead of making this statement wait.
      const result = await sql.query<{ deleted: number }>(
        `WITH doomed AS (
           SELECT message_uid, sent_time FROM messages
           WHERE app_key = $1 AND conversation_type = $2 AND sent_time < $3
           ORDER BY sent_time
           LIMIT $4
           FOR UPDATE SKIP LOCKED
         ), deleted AS (
           DELETE FROM messages m USING doomed d
           WHERE m.app_key = $1 AND m.message_uid = d.message_uid AND m.sent_time = d.sent_time AND m.sent_time < $3
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

    async withPartitions(work) {
      return sql.transaction(async (tx) => {
        const { rows } = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [partitionLockId]);
        if (!rows[0]?.locked) return undefined;
        await tx.exec(`SET LOCAL lock_timeout = '${partitionLockTimeout}'`);
        return work(partitionsOf(tx));
      });
    },
  };
}
