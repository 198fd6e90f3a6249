import type { HistoryStore } from './history.js';
import type { SqlClient } from './sql.js';

const columns = 11;

export function createSqlHistoryStore(sql: SqlClient): HistoryStore {
  return {
    async page(appKey, q) {
      const result = await sql.query<{
        conversation_type: number; conversation_key: string; bus_channel: string; sent_time: number; message_uid: string;
        from_user_id: string; target_id: string; object_name: string; content: string; sender_visible: boolean;
      }>(
        `SELECT conversation_type, conversation_key, bus_channel, sent_time, message_uid, from_user_id, target_id, object_name, content, sender_visible
         FROM messages
         WHERE app_key = $1 AND conversation_type = $2 AND conversation_key = $3 AND bus_channel = $4
           AND (sent_time, message_uid) < ($5, $6)
           AND ($8::text IS NULL OR sender_visible OR from_user_id <> $8)
         ORDER BY sent_time DESC, message_uid DESC
         LIMIT $7`,
        [appKey, q.conversationType, q.conversationKey, q.busChannel, q.before.sentTime, q.before.messageUId, q.limit, q.hideUnechoedFrom ?? null],
      );
      return result.rows.map((r) => ({
        conversationType: r.conversation_type,
        conversationKey: r.conversation_key,
        busChannel: r.bus_channel,
        sentTime: r.sent_time,
        messageUId: r.message_uid,
        fromUserId: r.from_user_id,
        targetId: r.target_id,
        objectName: r.object_name,
        content: r.content,
        senderVisible: r.sender_visible,
      }));
    },

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
