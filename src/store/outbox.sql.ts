import type { AppendItem } from './inbox.js';
import type { OutboxStore } from './outbox.js';
import type { SqlClient } from './sql.js';

/** An outbox entry's appends as stored: each distinct payload once (a group send repeats one for every member). */
export function encodeAppends(appends: readonly AppendItem[]): string {
  const payloads = new Map<string, number>();
  const rows = appends.map(({ userId, payload, messageUId }) => {
    let index = payloads.get(payload);
    if (index === undefined) payloads.set(payload, (index = payloads.size));
    return [userId, index, messageUId];
  });
  return JSON.stringify({ p: [...payloads.keys()], a: rows });
}

export function decodeAppends(text: string): AppendItem[] {
  const { p, a } = JSON.parse(text) as { p: string[]; a: Array<[string, number, string]> };
  return a.map(([userId, index, messageUId]) => ({ userId, payload: p[index]!, messageUId }));
}

export function createSqlOutboxStore(sql: SqlClient): OutboxStore {
  return {
    async takeStale(now, staleMs, limit) {
      const result = await sql.query<{ app_key: string; send_id: string; created_at: number; appends: string; push_plans: string | null }>(
        `UPDATE inbox_outbox SET taken_at = $1
         WHERE (app_key, send_id) IN (
           SELECT app_key, send_id FROM inbox_outbox WHERE taken_at < $2
           ORDER BY taken_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING app_key, send_id, created_at, appends, push_plans`,
        [now, now - staleMs, limit],
      );
      return result.rows
        .map((r) => ({ appKey: r.app_key, sendId: r.send_id, createdAt: Number(r.created_at), appends: decodeAppends(r.appends), pushPlans: r.push_plans ?? undefined }))
        .sort((a, b) => a.createdAt - b.createdAt);
    },
    async remove(entries) {
      if (entries.length === 0) return;
      await sql.query('DELETE FROM inbox_outbox WHERE (app_key, send_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))', [
        entries.map((e) => e.appKey),
        entries.map((e) => e.sendId),
      ]);
    },
  };
}
