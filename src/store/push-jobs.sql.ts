import type { PushJob, PushJobStore } from './push-jobs.js';
import type { SqlClient } from './sql.js';

const key = 'app_key = $1 AND user_id = $2 AND device_id = $3 AND message_uid = $4';
const keyOf = (job: PushJob) => [job.appKey, job.userId, job.deviceId, job.messageUId];

export function createSqlPushJobStore(sql: SqlClient): PushJobStore {
  return {
    async add(jobs, now) {
      if (jobs.length === 0) return;
      const column = (name: 'appKey' | 'userId' | 'deviceId' | 'messageUId' | 'provider' | 'token' | 'notification') => jobs.map((job) => job[name]);
      await sql.query(
        `INSERT INTO push_jobs (app_key, user_id, device_id, message_uid, provider, token, notification, due_at, unacked_seq, created_at)
         SELECT *, $10::bigint FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[])
         ON CONFLICT (app_key, user_id, device_id, message_uid) DO NOTHING`,
        [
          column('appKey'), column('userId'), column('deviceId'), column('messageUId'), column('provider'), column('token'), column('notification'),
          jobs.map((job) => job.dueAt ?? now),
          jobs.map((job) => job.unackedSeq ?? null),
          now,
        ],
      );
    },

    async take(now, leaseMs, limit) {
      const result = await sql.query<{ app_key: string; user_id: string; device_id: string; message_uid: string; provider: PushJob['provider']; token: string; notification: string; attempts: number; unacked_seq: string | number | null }>(
        `UPDATE push_jobs SET lease_until = $1::bigint + $2::bigint, attempts = attempts + 1
         WHERE (app_key, user_id, device_id, message_uid) IN (
           SELECT app_key, user_id, device_id, message_uid FROM push_jobs
           WHERE sent_at IS NULL AND due_at <= $1 AND lease_until <= $1
           ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING app_key, user_id, device_id, message_uid, provider, token, notification, attempts, unacked_seq`,
        [now, leaseMs, limit],
        { prepared: 'push-jobs-take' },
      );
      return result.rows.map((row) => ({
        appKey: row.app_key,
        userId: row.user_id,
        deviceId: row.device_id,
        messageUId: row.message_uid,
        provider: row.provider,
        token: row.token,
        notification: row.notification,
        attempts: Number(row.attempts) - 1,
        ...(row.unacked_seq !== null && { unackedSeq: Number(row.unacked_seq) }),
      }));
    },

    async sent(jobs, now) {
      if (jobs.length === 0) return;
      const column = (name: 'appKey' | 'userId' | 'deviceId' | 'messageUId') => jobs.map((job) => job[name]);
      await sql.query(
        `UPDATE push_jobs j SET sent_at = $5, lease_until = 0
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS s(app_key, user_id, device_id, message_uid)
         WHERE j.app_key = s.app_key AND j.user_id = s.user_id AND j.device_id = s.device_id AND j.message_uid = s.message_uid`,
        [column('appKey'), column('userId'), column('deviceId'), column('messageUId'), now],
        { prepared: 'push-jobs-sent' },
      );
    },

    async retry(job, dueAt) {
      await sql.query(`UPDATE push_jobs SET due_at = $5, lease_until = 0 WHERE ${key}`, [...keyOf(job), dueAt]);
    },

    async drop(job) {
      await sql.query(`DELETE FROM push_jobs WHERE ${key}`, keyOf(job));
    },

    async forgetSent(before) {
      await sql.query('DELETE FROM push_jobs WHERE sent_at IS NOT NULL AND sent_at < $1', [before]);
    },

    async pending(appKey) {
      const result = await sql.query<{ n: string }>('SELECT count(*)::int AS n FROM push_jobs WHERE app_key = $1 AND sent_at IS NULL', [appKey]);
      return Number(result.rows[0]?.n ?? 0);
    },
  };
}
