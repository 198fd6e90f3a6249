import type { HistoryStore } from './history.js';
import type { SqlClient } from './sql.js';

const columns = 11;

export function createSqlHistoryStore(sql: SqlClient): HistoryStore {
  return {
    async insert(appKey, rows) {
      if (rows.length === 0) return;
      const params: unknown[] = [];
      const tuples = rows.map((row, i) => {
        params.push(appKey, row.conversationType, row.conversationKey, row.busChannel, row.sentTime, row.messageUId, row.fromUserId, row.targetId, row.objectName, row.content, row.senderVisible);
        return `(${Array.from({ length: columns }, (_, j) => `$${i * columns + j + 1}`).join(', ')})`;
      });
      await sql.query(
        `INSERT INTO messages (app_key, conversation_type, conversation_key, bus_channel, sent_time, message_uid,
                               from_user_id, target_id, object_name, content, sender_visible)
         VALUES ${tuples.join(', ')}
         ON CONFLICT (app_key, message_uid) DO NOTHING`,
        params,
      );
    },
  };
}
