import type { NewCallbackEvent } from './callback-events.js';
import { callbackEventColumns, insertCallbackEvents } from './callback-events.sql.js';
import type { HistoryRow, HistoryStore, OutboxEntry, StoredMessage } from './history.js';
import { encodeAppends } from './outbox.sql.js';
import type { SqlClient } from './sql.js';

export interface StoredRow {
  conversation_type: number;
  conversation_key: string;
  bus_channel: string;
  sent_time: number;
  message_uid: string;
  from_user_id: string;
  target_id: string;
  object_name: string;
  content: string;
  sender_visible: boolean;
  counted: boolean;
  expansion: boolean;
  recalled: boolean;
  extra_content: string;
}

export const storedColumns = `conversation_type, conversation_key, bus_channel, sent_time, message_uid, from_user_id, target_id,
  object_name, content, sender_visible, counted, expansion, recalled, extra_content::text AS extra_content`;

const selectStored = `SELECT ${storedColumns} FROM messages`;

export const toStored = (r: StoredRow): StoredMessage => ({
  conversationType: r.conversation_type,
  conversationKey: r.conversation_key,
  busChannel: r.bus_channel,
  sentTime: Number(r.sent_time),
  messageUId: r.message_uid,
  fromUserId: r.from_user_id,
  targetId: r.target_id,
  objectName: r.object_name,
  content: r.content,
  senderVisible: r.sender_visible,
  counted: r.counted,
  expansion: r.expansion,
  recalled: r.recalled,
  extraContent: r.extra_content,
});

/**
 * SQLSTATE classes 22 (data exception) and 23 (integrity violation): the rows were refused,
 * not the connection, so a statement without them can succeed.
 */
function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^2[23]/.test(code);
}

const asError = (err: unknown) => (err instanceof Error ? err : new Error('history write failed'));

/** Rows per statement at most. */
const maxBatchRows = 2000;
/** How long a finished outbox entry may wait to be folded into a commit before it is deleted alone. */
const outboxDoneFlushMs = 200;

interface Pending {
  appKey: string;
  rows: readonly HistoryRow[];
  outbox: OutboxEntry | undefined;
  callbacks: readonly NewCallbackEvent[];
  done(err?: Error): void;
}

const sizeOf = (p: Pending) => p.rows.length + (p.outbox ? 1 : 0) + p.callbacks.length;

/**
 * History in SQL. Commits are group-committed: while one statement runs, the rows and
 * outbox entries of every send that arrives meanwhile queue up and go in the next single
 * statement, so concurrent sends share commits instead of paying one each (no added
 * latency when idle). Finished outbox entries are deleted in the next statement too.
 */
export function createSqlHistoryStore(sql: SqlClient): HistoryStore {
  let queue: Pending[] = [];
  let finished: Array<{ appKey: string; sendId: string }> = [];
  let writing = false;
  let flushTimer: NodeJS.Timeout | undefined;

  async function writeBatch(batch: readonly Pending[], doneEntries: ReadonlyArray<{ appKey: string; sendId: string }>): Promise<void> {
    const rows = batch.flatMap((p) => p.rows.map((row) => ({ appKey: p.appKey, row })));
    const outbox = batch.flatMap((p) => (p.outbox ? [{ appKey: p.appKey, entry: p.outbox }] : []));
    const callbacks = batch.flatMap((p) => p.callbacks.map((event) => ({ appKey: p.appKey, event })));
    const column = <T>(pick: (r: (typeof rows)[number]) => T) => rows.map(pick);
    // One statement: the rows, the outbox entries, the callbacks owed, the deletion of finished entries, the
    // conversation state of each side (for private and system rows the list of a user's
    // conversations of those kinds), and the sender's read position moved up to its own
    // send: whoever writes in a conversation has read it, and unread counting never has to
    // step over the user's own messages.
    await sql.query(
      `WITH r AS (
         SELECT * FROM unnest($1::text[], $2::smallint[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                              $7::text[], $8::text[], $9::text[], $10::text[], $11::boolean[], $12::boolean[], $13::boolean[], $14::text[])
           AS r(app_key, conversation_type, conversation_key, bus_channel, sent_time, message_uid,
                from_user_id, target_id, object_name, content, sender_visible, counted, expansion, extra_content)
       ), numbered AS (
         -- Each group's counter moves past its rows here (Tencent IM's MsgSeq, migrations/0017);
         -- counters locked in key order, as the states below.
         INSERT INTO group_message_seqs AS s (app_key, group_id, last_seq)
         SELECT app_key, conversation_key, count(*) FROM r WHERE conversation_type = 3
         GROUP BY app_key, conversation_key ORDER BY app_key, conversation_key
         ON CONFLICT (app_key, group_id) DO UPDATE SET last_seq = s.last_seq + EXCLUDED.last_seq
         RETURNING app_key, group_id, last_seq
       ), inserted AS (
         INSERT INTO messages (app_key, conversation_type, conversation_key, bus_channel, sent_time, message_uid,
                               from_user_id, target_id, object_name, content, sender_visible, counted, expansion, extra_content, group_seq)
         SELECT r.app_key, r.conversation_type, r.conversation_key, r.bus_channel, r.sent_time, r.message_uid,
                r.from_user_id, r.target_id, r.object_name, r.content, r.sender_visible, r.counted, r.expansion, r.extra_content::jsonb,
                -- The group's new numbers, in (sentTime, messageUId) order; null for other kinds.
                n.last_seq - count(*) OVER g + row_number() OVER (g ORDER BY r.sent_time, r.message_uid)
         FROM r LEFT JOIN numbered n ON r.conversation_type = 3 AND n.app_key = r.app_key AND n.group_id = r.conversation_key
         WINDOW g AS (PARTITION BY r.app_key, r.conversation_type, r.conversation_key)
         ON CONFLICT (app_key, message_uid, sent_time) DO NOTHING
       ), owed AS (
         INSERT INTO inbox_outbox (app_key, send_id, created_at, taken_at, appends, push_plans)
         SELECT app_key, send_id, created_at, created_at, appends, push_plans
         FROM unnest($15::text[], $16::text[], $17::bigint[], $18::text[], $19::text[]) AS o(app_key, send_id, created_at, appends, push_plans)
         ON CONFLICT (app_key, send_id) DO NOTHING
       ), finished AS (
         DELETE FROM inbox_outbox WHERE (app_key, send_id) IN (SELECT * FROM unnest($20::text[], $21::text[]))
       ), routed AS (
         ${insertCallbackEvents(22)}
       )
       INSERT INTO conversation_states (app_key, user_id, conversation_type, target_id, bus_channel, conversation_key, read_time)
       SELECT app_key, user_id, conversation_type, target_id, bus_channel, min(conversation_key), max(read_time)
       FROM (
         SELECT app_key, target_id AS user_id, conversation_type, from_user_id AS target_id, bus_channel, conversation_key, 0::bigint AS read_time
         FROM r WHERE conversation_type IN (1, 6)
         UNION ALL
         SELECT app_key, from_user_id, conversation_type, target_id, bus_channel, conversation_key, sent_time
         FROM r WHERE sender_visible AND conversation_type <> 4
       ) sides
       GROUP BY app_key, user_id, conversation_type, target_id, bus_channel
       -- Rows locked in key order: batches on several nodes touching the same states never deadlock.
       ORDER BY app_key, user_id, conversation_type, target_id, bus_channel
       ON CONFLICT (app_key, user_id, conversation_type, target_id, bus_channel)
       DO UPDATE SET read_time = GREATEST(conversation_states.read_time, EXCLUDED.read_time)`,
      [
        column((r) => r.appKey),
        column((r) => r.row.conversationType),
        column((r) => r.row.conversationKey),
        column((r) => r.row.busChannel),
        column((r) => r.row.sentTime),
        column((r) => r.row.messageUId),
        column((r) => r.row.fromUserId),
        column((r) => r.row.targetId),
        column((r) => r.row.objectName),
        column((r) => r.row.content),
        column((r) => r.row.senderVisible),
        column((r) => r.row.counted),
        column((r) => r.row.expansion),
        column((r) => r.row.extraContent ?? '{}'),
        outbox.map((o) => o.appKey),
        outbox.map((o) => o.entry.sendId),
        outbox.map((o) => o.entry.createdAt),
        outbox.map((o) => encodeAppends(o.entry.appends)),
        outbox.map((o) => o.entry.pushPlans ?? null),
        doneEntries.map((d) => d.appKey),
        doneEntries.map((d) => d.sendId),
        ...callbackEventColumns(callbacks),
      ],
    );
  }

  async function drain(): Promise<void> {
    writing = true;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    while (queue.length > 0 || finished.length > 0) {
      let size = 0;
      const take = queue.findIndex((p) => (size += sizeOf(p)) > maxBatchRows);
      const count = take <= 0 ? (take === 0 ? 1 : queue.length) : take;
      const batch = queue.slice(0, count);
      queue = queue.slice(count);
      const doneEntries = finished;
      finished = [];
      try {
        await writeBatch(batch, doneEntries);
        batch.forEach((p) => p.done());
      } catch (err) {
        // Deleting finished entries is never worth failing a send for: the relay deletes them later.
        if (batch.length === 0) break;
        if (batch.length === 1 || !isDataError(err)) {
          batch.forEach((p) => p.done(asError(err)));
          continue;
        }
        // One send's bad row must not fail the others that shared its statement: each again, alone.
        for (const pending of batch) await writeBatch([pending], []).then(() => pending.done(), (e: unknown) => pending.done(asError(e)));
      }
    }
    writing = false;
  }

  return {
    async page(appKey, q) {
      const result = await sql.query<StoredRow>(
        `${selectStored}
         WHERE app_key = $1 AND conversation_type = $2 AND conversation_key = $3 AND bus_channel = $4
           AND (sent_time, message_uid) < ($5, $6)
           AND ($8::text IS NULL OR sender_visible OR from_user_id <> $8)
           AND sent_time >= $9
         ORDER BY sent_time DESC, message_uid DESC
         LIMIT $7`,
        [appKey, q.conversationType, q.conversationKey, q.busChannel, q.before.sentTime, q.before.messageUId, q.limit, q.hideUnechoedFrom ?? null, q.notBefore ?? 0],
      );
      return result.rows.map(toStored);
    },

    async range(appKey, q) {
      const result = await sql.query<StoredRow>(
        `${selectStored}
         WHERE app_key = $1 AND conversation_type = $2 AND conversation_key = $3 AND bus_channel = $4
           AND (sent_time > $5 OR ($6 AND sent_time = $5)) AND sent_time <= $7
           AND ($9::text IS NULL OR sender_visible OR from_user_id <> $9)
           AND sent_time >= $10
         ORDER BY sent_time ASC, message_uid ASC
         LIMIT $8`,
        [appKey, q.conversationType, q.conversationKey, q.busChannel, q.from, q.includeFrom, q.until, q.limit, q.hideUnechoedFrom ?? null, q.notBefore ?? 0],
      );
      return result.rows.map(toStored);
    },

    async find(appKey, messageUId) {
      const result = await sql.query<StoredRow>(`${selectStored} WHERE app_key = $1 AND message_uid = $2`, [appKey, messageUId]);
      const row = result.rows[0];
      return row && toStored(row);
    },

    async recall(appKey, messageUId, notice) {
      await sql.query(
        `UPDATE messages SET recalled = true, object_name = $3, content = $4, expansion = false, extra_content = '{}'
         WHERE app_key = $1 AND message_uid = $2`,
        [appKey, messageUId, notice.objectName, notice.content],
      );
    },

    async modify(appKey, messageUId, content) {
      const result = await sql.query('UPDATE messages SET content = $3 WHERE app_key = $1 AND message_uid = $2 AND NOT recalled RETURNING 1', [appKey, messageUId, content]);
      return result.rows.length > 0;
    },

    async deleteBefore(appKey, c, before) {
      await sql.query(
        'DELETE FROM messages WHERE app_key = $1 AND conversation_type = $2 AND conversation_key = $3 AND bus_channel = $4 AND sent_time < $5',
        [appKey, c.conversationType, c.conversationKey, c.busChannel, before],
      );
    },

    groupSeqs: {
      async latest(appKey, groupId) {
        const result = await sql.query<{ last_seq: string }>('SELECT last_seq FROM group_message_seqs WHERE app_key = $1 AND group_id = $2', [appKey, groupId]);
        return Number(result.rows[0]?.last_seq ?? 0);
      },

      async range(appKey, groupId, from, to) {
        // One range scan on messages_by_group_seq.
        const result = await sql.query<StoredRow & { group_seq: string }>(
          `SELECT ${storedColumns}, group_seq FROM messages
           WHERE app_key = $1 AND conversation_type = 3 AND conversation_key = $2 AND group_seq IS NOT NULL
             AND group_seq BETWEEN $3 AND $4
           ORDER BY group_seq DESC`,
          [appKey, groupId, from, to],
        );
        return result.rows.map((r) => ({ ...toStored(r), groupSeq: Number(r.group_seq) }));
      },

      async of(appKey, messageUId, sentTime) {
        const result = await sql.query<{ group_seq: string | null }>('SELECT group_seq FROM messages WHERE app_key = $1 AND message_uid = $2 AND sent_time = $3', [appKey, messageUId, sentTime]);
        const seq = result.rows[0]?.group_seq;
        return seq === undefined || seq === null ? undefined : Number(seq);
      },
    },

    commit(appKey, rows, outbox, callbacks = []) {
      if (rows.length === 0 && !outbox && callbacks.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ appKey, rows, outbox, callbacks, done: (err) => (err === undefined ? resolve() : reject(err)) });
        if (!writing) void drain();
      });
    },

    outboxDone(appKey, sendId) {
      finished.push({ appKey, sendId });
      if (!writing && flushTimer === undefined) {
        flushTimer = setTimeout(() => {
          flushTimer = undefined;
          if (!writing) void drain();
        }, outboxDoneFlushMs);
        flushTimer.unref();
      }
    },
  };
}
