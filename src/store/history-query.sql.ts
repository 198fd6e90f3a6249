import type { SqlQueryable } from './sql.js';
import type { UltraGroupHistoryQueries } from './ultragroups.js';
import type { UltraGroupMessageRow } from '../model/ultragroup.js';

/** Conversation type of ultra group rows in `messages` (their conversation_key is the group id). */
const ultraGroupType = 10;

interface MessageRow {
  bus_channel: string;
  from_user_id: string;
  message_uid: string;
  sent_time: number;
  object_name: string;
  content: string;
  expansion: boolean;
  extra_content: string;
}

const selectColumns =
  'SELECT bus_channel, from_user_id, message_uid, sent_time, object_name, content, expansion, extra_content::text AS extra_content FROM messages';

const toRow = (row: MessageRow): UltraGroupMessageRow => ({
  busChannel: row.bus_channel,
  fromUserId: row.from_user_id,
  messageUId: row.message_uid,
  sentTime: row.sent_time,
  objectName: row.object_name,
  content: row.content,
  expansion: row.expansion,
  extraContent: row.extra_content,
});

/** Read-only ultra group history queries over `messages` (migrations/0002_messages.sql). */
export function createSqlUltraGroupHistoryQueries(sql: SqlQueryable): UltraGroupHistoryQueries {
  return {
    async historyRange(appKey, range) {
      // One range scan on messages_by_conversation (read backwards).
      const result = await sql.query<MessageRow>(
        `${selectColumns}
         WHERE app_key = $1 AND conversation_type = $2 AND conversation_key = $3 AND bus_channel = $4
           AND sent_time > $5 AND sent_time <= $6
           AND ($7::text IS NULL OR from_user_id = $7) AND NOT recalled
         ORDER BY sent_time ASC, message_uid ASC
         LIMIT $8`,
        [appKey, ultraGroupType, range.groupId, range.busChannel, range.after, range.until, range.fromUserId ?? null, range.limit],
      );
      return result.rows.map(toRow);
    },

    async messagesAround(appKey, q) {
      // Two range scans on messages_by_conversation from the anchor, one each way.
      const near = `app_key = $1 AND conversation_type = $2 AND conversation_key = $3 AND bus_channel = $4 AND NOT recalled AND sent_time >= $8`;
      const result = await sql.query<MessageRow>(
        `WITH anchor AS (SELECT sent_time, message_uid FROM messages WHERE ${near} AND message_uid = $5)
         SELECT * FROM (
           (${selectColumns} WHERE ${near} AND (sent_time, message_uid) < (SELECT sent_time, message_uid FROM anchor)
            ORDER BY sent_time DESC, message_uid DESC LIMIT $6)
           UNION ALL
           (${selectColumns} WHERE ${near} AND (sent_time, message_uid) >= (SELECT sent_time, message_uid FROM anchor)
            ORDER BY sent_time ASC, message_uid ASC LIMIT $7 + 1)
         ) around
         ORDER BY sent_time ASC, message_uid ASC`,
        [appKey, ultraGroupType, q.groupId, q.busChannel, q.messageUId, q.before, q.after, q.notBefore],
      );
      return result.rows.map(toRow);
    },

    async messagesByUid(appKey, groupId, messageUIds) {
      if (messageUIds.length === 0) return [];
      const result = await sql.query<MessageRow>(
        `${selectColumns}
         WHERE app_key = $1 AND message_uid = ANY($2::text[])
           AND conversation_type = $3 AND conversation_key = $4 AND NOT recalled`,
        [appKey, messageUIds, ultraGroupType, groupId],
      );
      return result.rows.map(toRow);
    },
  };
}
