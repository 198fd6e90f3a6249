import type { BroadcastJob, BroadcastJobStore } from './broadcast-jobs.js';
import type { SqlClient } from './sql.js';

interface JobRow {
  kind: BroadcastJob['kind'];
  app_key: string;
  message_uid: string;
  created_at: number;
  send: string;
  after_user: string;
  delivered: number;
  state: BroadcastJob['state'];
  error: string;
}

const toJob = (r: JobRow): BroadcastJob => ({
  kind: r.kind,
  appKey: r.app_key,
  messageUId: r.message_uid,
  createdAt: Number(r.created_at),
  send: r.send,
  afterUser: r.after_user,
  delivered: Number(r.delivered),
  state: r.state,
  error: r.error,
});

export function createSqlBroadcastJobStore(sql: SqlClient): BroadcastJobStore {
  return {
    async create(job) {
      await sql.query('INSERT INTO broadcast_jobs (kind, app_key, message_uid, created_at, send) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [
        job.kind,
        job.appKey,
        job.messageUId,
        job.createdAt,
        job.send,
      ]);
    },
    async take(now, leaseUntil) {
      const result = await sql.query<JobRow>(
        `UPDATE broadcast_jobs SET lease_until = $2
         WHERE (app_key, message_uid) = (
           SELECT app_key, message_uid FROM broadcast_jobs WHERE state = 'running' AND lease_until < $1
           ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
         RETURNING kind, app_key, message_uid, created_at, send, after_user, delivered, state, error`,
        [now, leaseUntil],
      );
      const row = result.rows[0];
      return row && toJob(row);
    },
    async progress(appKey, messageUId, afterUser, delivered, leaseUntil) {
      const result = await sql.query('UPDATE broadcast_jobs SET after_user = $3, delivered = $4, lease_until = $5 WHERE app_key = $1 AND message_uid = $2 RETURNING 1', [
        appKey,
        messageUId,
        afterUser,
        delivered,
        leaseUntil,
      ]);
      return result.rows.length > 0;
    },
    async finish(appKey, messageUId, state, error) {
      await sql.query('UPDATE broadcast_jobs SET state = $3, error = $4, lease_until = 0 WHERE app_key = $1 AND message_uid = $2', [appKey, messageUId, state, error]);
    },
    async get(appKey, messageUId) {
      const result = await sql.query<JobRow>(
        'SELECT kind, app_key, message_uid, created_at, send, after_user, delivered, state, error FROM broadcast_jobs WHERE app_key = $1 AND message_uid = $2',
        [appKey, messageUId],
      );
      const row = result.rows[0];
      return row && toJob(row);
    },
  };
}
