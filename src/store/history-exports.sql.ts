import type { ExportedMessage, HistoryExportRecords, HistoryExportStore } from './history-exports.js';
import type { SqlClient, SqlQueryable } from './sql.js';

interface MessageRow {
  conversation_type: number;
  sent_time: number;
  message_uid: string;
  from_user_id: string;
  target_id: string;
  bus_channel: string;
  object_name: string;
  content: string;
}

export function createSqlHistoryExportStore(sql: SqlClient): HistoryExportStore {
  return {
    ...createSqlHistoryExportRecords(sql),

    withHourLock(appKey, hour, work) {
      // A transaction-level advisory lock is released by the commit or rollback however
      // `work` ends, and binds every node on the database. `work` runs on the locking
      // transaction itself: PGlite has a single connection, busy until the transaction
      // ends, and on Postgres the pool then needs one connection per build, not two.
      return sql.transaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1 || ':' || $2))`, [appKey, hour]);
        return work(createSqlHistoryExportRecords(tx));
      });
    },
  };
}

/** The rows behind the files, on `sql`: the pool, or a transaction in progress. */
export function createSqlHistoryExportRecords(sql: SqlQueryable): HistoryExportRecords {
  return {
    async messagesPage(appKey, page) {
      // messages_by_age leads with the conversation type, so one ordered scan per type
      // (each stopping after `limit` rows) merged here keeps a page bounded work; a
      // single ORDER BY over all types would sort the rest of the hour on every page.
      const { rows } = await sql.query<MessageRow>(
        `SELECT m.conversation_type, m.sent_time, m.message_uid, m.from_user_id, m.target_id,
                m.bus_channel, m.object_name, m.content
         FROM unnest($2::smallint[]) AS t(type)
         CROSS JOIN LATERAL (
           SELECT * FROM messages
           WHERE app_key = $1 AND conversation_type = t.type
             AND sent_time >= $3 AND sent_time < $5
             AND (sent_time, message_uid) > ($3::bigint, $4::text)
           ORDER BY sent_time, message_uid
           LIMIT $6
         ) m
         ORDER BY m.sent_time, m.message_uid
         LIMIT $6`,
        [appKey, page.conversationTypes, page.after.sentTime, page.after.messageUId, page.until, page.limit],
      );
      return rows.map(toExportedMessage);
    },

    async state(appKey, hour) {
      const { rows } = await sql.query<{ ready: boolean; created_at: number }>(
        'SELECT archive IS NOT NULL AS ready, created_at FROM history_exports WHERE app_key = $1 AND hour = $2',
        [appKey, hour],
      );
      const row = rows[0];
      if (!row) return undefined;
      return { status: row.ready ? 'ready' : 'deleted', createdAt: row.created_at };
    },

    async saveIfAbsent(appKey, hour, createdAt, archive) {
      await sql.query(
        `INSERT INTO history_exports (app_key, hour, created_at, archive) VALUES ($1, $2, $3, $4)
         ON CONFLICT (app_key, hour) DO NOTHING`,
        [appKey, hour, createdAt, archive],
      );
    },

    async archive(appKey, hour) {
      const { rows } = await sql.query<{ archive: Uint8Array | null }>(
        'SELECT archive FROM history_exports WHERE app_key = $1 AND hour = $2',
        [appKey, hour],
      );
      return rows[0]?.archive ?? undefined;
    },

    async markDeleted(appKey, hour, at) {
      // created_at stays that of the export, so retention still counts from it.
      await sql.query(
        `INSERT INTO history_exports (app_key, hour, created_at, archive) VALUES ($1, $2, $3, NULL)
         ON CONFLICT (app_key, hour) DO UPDATE SET archive = NULL`,
        [appKey, hour, at],
      );
    },
  };
}

function toExportedMessage(row: MessageRow): ExportedMessage {
  return {
    conversationType: row.conversation_type,
    sentTime: row.sent_time,
    messageUId: row.message_uid,
    fromUserId: row.from_user_id,
    targetId: row.target_id,
    busChannel: row.bus_channel,
    objectName: row.object_name,
    content: row.content,
  };
}
