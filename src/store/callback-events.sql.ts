import type { CallbackEvent, CallbackEventKind, CallbackEventStore, DeliveryState, NewCallbackEvent } from './callback-events.js';
import type { SqlClient } from './sql.js';

interface EventRow {
  id: string | number;
  dedupe_key: string;
  kind: string;
  conversation: string;
  created_at: string | number;
  payload: string;
  state: string;
  attempts: number;
  last_error: string;
  delivered_at: string | number;
}

const eventColumns = 'id, dedupe_key, kind, conversation, created_at, payload, state, attempts, last_error, delivered_at';

function toEvent(row: EventRow): CallbackEvent {
  return {
    id: Number(row.id),
    dedupeKey: row.dedupe_key,
    kind: row.kind as CallbackEventKind,
    conversation: row.conversation,
    createdAt: Number(row.created_at),
    payload: JSON.parse(row.payload) as Record<string, string | number>,
    state: row.state as DeliveryState,
    attempts: row.attempts,
    lastError: row.last_error,
    deliveredAt: Number(row.delivered_at),
  };
}

/**
 * The columns of `insertCallbackEvents`, in its parameter order: several apps' events in one
 * statement (the history store folds them into its group commit).
 */
export function callbackEventColumns(events: ReadonlyArray<{ appKey: string; event: NewCallbackEvent }>): unknown[] {
  return [
    events.map((e) => e.appKey),
    events.map((e) => e.event.dedupeKey),
    events.map((e) => e.event.kind),
    events.map((e) => e.event.conversation),
    events.map((e) => e.event.createdAt),
    events.map((e) => JSON.stringify(e.event.payload)),
  ];
}

/**
 * Inserts events from six array parameters starting at `$first` (see `callbackEventColumns`),
 * ids assigned in array order; an event already written is left as is.
 */
export function insertCallbackEvents(first: number): string {
  const p = (i: number) => `$${first + i}`;
  return `INSERT INTO callback_events (app_key, dedupe_key, kind, conversation, created_at, next_at, payload)
    SELECT app_key, dedupe_key, kind, conversation, created_at, created_at, payload
    FROM unnest(${p(0)}::text[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::bigint[], ${p(5)}::text[])
      WITH ORDINALITY AS e(app_key, dedupe_key, kind, conversation, created_at, payload, n)
    ORDER BY n
    ON CONFLICT (app_key, dedupe_key) DO NOTHING`;
}

export function createSqlCallbackEventStore(sql: SqlClient): CallbackEventStore {
  return {
    async add(appKey, events) {
      if (events.length > 0) await sql.query(insertCallbackEvents(1), callbackEventColumns(events.map((event) => ({ appKey, event }))));
    },

    async lease(key, nodeId, now, leaseUntil) {
      const result = await sql.query(
        `INSERT INTO callback_leases (lease_key, node_id, lease_until) VALUES ($1, $2, $3)
         ON CONFLICT (lease_key) DO UPDATE SET node_id = $2, lease_until = $3
         WHERE callback_leases.node_id = $2 OR callback_leases.lease_until < $4
         RETURNING 1`,
        [key, nodeId, leaseUntil, now],
      );
      return result.rows.length > 0;
    },

    async release(key, nodeId) {
      await sql.query('DELETE FROM callback_leases WHERE lease_key = $1 AND node_id = $2', [key, nodeId]);
    },

    async due(appKey, kinds, now, perConversation, limit) {
      // Reads only the head of each conversation with pending events: the conversations are
      // found by skipping through the pending index (one probe each), never by reading a
      // backlog a dead receiver left behind. A conversation's events are all of one channel.
      const result = await sql.query<EventRow>(
        `WITH RECURSIVE conversations AS (
           (SELECT conversation FROM callback_events WHERE app_key = $1 AND state = 'pending' ORDER BY conversation LIMIT 1)
           UNION ALL
           SELECT (SELECT e.conversation FROM callback_events e
                   WHERE e.app_key = $1 AND e.state = 'pending' AND e.conversation > c.conversation
                   ORDER BY e.conversation LIMIT 1)
           FROM conversations c WHERE c.conversation IS NOT NULL
         )
         SELECT ${eventColumns.split(', ').map((c) => `head.${c}`).join(', ')}
         FROM conversations c
         CROSS JOIN LATERAL (
           SELECT e.*, first_value(e.next_at) OVER (ORDER BY e.id) AS head_next_at
           FROM (SELECT * FROM callback_events
                 WHERE app_key = $1 AND state = 'pending' AND conversation = c.conversation AND kind = ANY($5::text[])
                 ORDER BY id LIMIT $3) e
         ) head
         WHERE c.conversation IS NOT NULL AND head.head_next_at <= $2
         ORDER BY head.id LIMIT $4`,
        [appKey, now, perConversation, limit, kinds],
      );
      return result.rows.map(toEvent);
    },

    async settle(appKey, attempts) {
      if (attempts.length === 0) return;
      await sql.query(
        `UPDATE callback_events e SET state = a.state, attempts = a.attempts, next_at = a.next_at, last_error = a.last_error, delivered_at = a.delivered_at
         FROM unnest($2::bigint[], $3::text[], $4::integer[], $5::bigint[], $6::text[], $7::bigint[])
           AS a(id, state, attempts, next_at, last_error, delivered_at)
         WHERE e.app_key = $1 AND e.id = a.id`,
        [
          appKey,
          attempts.map((a) => a.id),
          attempts.map((a) => a.state),
          attempts.map((a) => a.attempts),
          attempts.map((a) => a.nextAt),
          attempts.map((a) => a.lastError),
          attempts.map((a) => a.deliveredAt),
        ],
      );
    },

    async page(appKey, after, limit, settleMs) {
      // Ends before the first event written in the last `settleMs`: a statement still
      // committing (on another node) can hold a lower id, and a cursor must never step over one.
      const result = await sql.query<EventRow>(
        `SELECT ${eventColumns} FROM callback_events
         WHERE app_key = $1 AND id > $2
           AND id < COALESCE((SELECT min(id) FROM callback_events
                              WHERE app_key = $1 AND id > $2 AND written_at > (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $4),
                             9223372036854775807)
         ORDER BY id LIMIT $3`,
        [appKey, after, limit, settleMs],
      );
      return result.rows.map(toEvent);
    },

    async newest(appKey, limit) {
      const result = await sql.query<EventRow>(`SELECT ${eventColumns} FROM callback_events WHERE app_key = $1 ORDER BY id DESC LIMIT $2`, [appKey, limit]);
      return result.rows.map(toEvent).reverse();
    },

    async replay(appKey, kinds, after, until, now) {
      const result = await sql.query(
        `UPDATE callback_events SET state = 'pending', attempts = 0, next_at = $4, last_error = '', delivered_at = 0
         WHERE app_key = $1 AND id > $2 AND id <= $3 AND kind = ANY($5::text[])
         RETURNING 1`,
        [appKey, after, until, now, kinds],
      );
      return result.rows.length;
    },

    async forget(appKey, before) {
      await sql.query(`DELETE FROM callback_events WHERE app_key = $1 AND created_at < $2 AND state <> 'pending'`, [appKey, before]);
    },
  };
}
