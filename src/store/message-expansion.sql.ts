import type { ExpandableMessage, ExtraContent, MessageExpansionStore } from './message-expansion.js';
import type { SqlQueryable } from './sql.js';

interface MessageRow {
  conversation_type: number;
  conversation_key: string;
  bus_channel: string;
  expansion: boolean;
  extra_content: ExtraContent;
}

/** Expansion on `messages.extra_content` (migrations/0007_history_state.sql). */
export function createSqlMessageExpansionStore(sql: SqlQueryable): MessageExpansionStore {
  return {
    async find(appKey, messageUId): Promise<ExpandableMessage | undefined> {
      const { rows } = await sql.query<MessageRow>(
        `SELECT conversation_type, conversation_key, bus_channel, expansion, extra_content
         FROM messages WHERE app_key = $1 AND message_uid = $2 AND NOT recalled`,
        [appKey, messageUId],
      );
      const row = rows[0];
      if (!row) return undefined;
      return {
        conversationType: row.conversation_type,
        conversationKey: row.conversation_key,
        busChannel: row.bus_channel,
        expansion: row.expansion,
        extraContent: row.extra_content,
      };
    },

    async edit(appKey, messageUId, edit) {
      // The new value and the key-count guard are computed from the row as the UPDATE
      // finds it (after waiting for any concurrent edit), never from an earlier read.
      const { rows } = await sql.query<{ found: boolean; changed: boolean }>(
        `WITH target AS (
           SELECT 1 FROM messages WHERE app_key = $1 AND message_uid = $2 AND NOT recalled
         ), changed AS (
           UPDATE messages SET extra_content = (extra_content || $3::jsonb) - $4::text[]
           WHERE app_key = $1 AND message_uid = $2 AND NOT recalled
             AND (SELECT count(*) FROM jsonb_object_keys((extra_content || $3::jsonb) - $4::text[])) <= $5
           RETURNING 1
         )
         SELECT EXISTS (SELECT 1 FROM target) AS found, EXISTS (SELECT 1 FROM changed) AS changed`,
        [appKey, messageUId, JSON.stringify(edit.put), edit.remove, edit.maxKeys],
      );
      const result = rows[0];
      if (result?.changed) return 'changed';
      return result?.found ? 'tooManyKeys' : 'missing';
    },
  };
}
