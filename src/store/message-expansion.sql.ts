import type { ExpandableMessage, ExtraContent, MessageExpansionStore } from './message-expansion.js';
import type { SqlClient } from './sql.js';

interface MessageRow {
  conversation_type: number;
  conversation_key: string;
  bus_channel: string;
  expansion: boolean;
  extra_content: ExtraContent;
}

/** Expansion on `messages.extra_content` (migrations/0007_history_state.sql). */
export function createSqlMessageExpansionStore(sql: SqlClient): MessageExpansionStore {
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
      // The row is locked while the edit is worked out, so concurrent edits of one message
      // apply one after the other and none loses another's keys.
      return sql.transaction(async (tx) => {
        const { rows } = await tx.query<{ extra_content: ExtraContent }>(
          'SELECT extra_content FROM messages WHERE app_key = $1 AND message_uid = $2 AND NOT recalled FOR UPDATE',
          [appKey, messageUId],
        );
        const row = rows[0];
        if (!row) return 'missing';
        const next: ExtraContent = { ...row.extra_content, ...edit.put };
        for (const key of edit.remove) delete next[key];
        if (Object.keys(next).length > edit.maxKeys) return 'tooManyKeys';
        await tx.query('UPDATE messages SET extra_content = $3::jsonb WHERE app_key = $1 AND message_uid = $2', [appKey, messageUId, JSON.stringify(next)]);
        return 'changed';
      });
    },
  };
}
