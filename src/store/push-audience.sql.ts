import type { Audience, PushAudienceStore } from './push-audience.js';
import type { SqlClient } from './sql.js';

/**
 * The audience as a SQL condition on `u.user_id` (parameters from `params`, appended):
 * every part is a fixed clause with parameters, never text from the request.
 */
function audienceCondition(audience: Audience, params: unknown[]): string {
  if (audience.everyone) return 'TRUE';
  const parameter = (value: unknown) => `$${params.push(value)}`;
  const hasAll = (tags: readonly string[]) => {
    const distinct = [...new Set(tags)];
    return `(SELECT count(DISTINCT g.tag) FROM user_tags g WHERE g.app_key = $1 AND g.user_id = u.user_id AND g.tag = ANY(${parameter(distinct)}::text[])) = ${distinct.length}`;
  };
  const hasAny = (tags: readonly string[]) => `EXISTS (SELECT 1 FROM user_tags g WHERE g.app_key = $1 AND g.user_id = u.user_id AND g.tag = ANY(${parameter(tags)}::text[]))`;
  const parts: string[] = [];
  if (audience.userIds) parts.push(`u.user_id = ANY(${parameter(audience.userIds)}::text[])`);
  if (audience.items && audience.items.length > 0) {
    const clause = audience.items.reduce((sql, item, i) => {
      const one = `${item.not ? 'NOT ' : ''}(${item.operator === 'and' ? hasAll(item.tags) : hasAny(item.tags)})`;
      return i === 0 ? one : `(${sql} ${item.join === 'and' ? 'AND' : 'OR'} ${one})`;
    }, '');
    parts.push(clause);
  } else {
    if (audience.all && audience.all.length > 0) parts.push(hasAll(audience.all));
    if (audience.any && audience.any.length > 0) parts.push(hasAny(audience.any));
  }
  // An audience that names nobody reaches nobody.
  return parts.length > 0 ? parts.join(' AND ') : 'FALSE';
}

export function createSqlPushAudienceStore(sql: SqlClient): PushAudienceStore {
  return {
    setTags(appKey, userIds, tags) {
      return sql.transaction(async (tx) => {
        await tx.query('DELETE FROM user_tags WHERE app_key = $1 AND user_id = ANY($2::text[])', [appKey, userIds]);
        if (tags.length === 0) return;
        await tx.query(
          `INSERT INTO user_tags (app_key, user_id, tag) SELECT $1, u, t FROM unnest($2::text[]) AS u, unnest($3::text[]) AS t
           ON CONFLICT DO NOTHING`,
          [appKey, userIds, tags],
        );
      });
    },

    async tagsOf(appKey, userIds) {
      const result = await sql.query<{ user_id: string; tag: string }>(
        'SELECT user_id, tag FROM user_tags WHERE app_key = $1 AND user_id = ANY($2::text[]) ORDER BY user_id, tag',
        [appKey, userIds],
      );
      const tags = new Map<string, string[]>(userIds.map((userId) => [userId, []]));
      for (const row of result.rows) tags.get(row.user_id)?.push(row.tag);
      return tags;
    },

    async enqueuePage(appKey, pushId, audience, notifications, { afterUser, limit, now }) {
      const providers = Object.keys(notifications);
      if (providers.length === 0) return undefined;
      const params: unknown[] = [appKey, pushId, notifications.apns ?? '', notifications.fcm ?? '', now, providers, afterUser, limit];
      const condition = audienceCondition(audience, params);
      const result = await sql.query<{ last_user: string | null; users: number; written: number }>(
        `WITH page AS (
           SELECT DISTINCT u.user_id FROM push_tokens u
           WHERE u.app_key = $1 AND u.provider = ANY($6::text[]) AND u.user_id > $7 AND ${condition}
           ORDER BY u.user_id LIMIT $8::int),
         added AS (
           INSERT INTO push_jobs (app_key, user_id, device_id, message_uid, provider, token, notification, due_at, created_at)
           SELECT u.app_key, u.user_id, u.device_id, $2::text, u.provider, u.token, CASE u.provider WHEN 'apns' THEN $3::text ELSE $4::text END, $5::bigint, $5::bigint
           FROM push_tokens u
           WHERE u.app_key = $1 AND u.provider = ANY($6::text[]) AND u.user_id IN (SELECT user_id FROM page)
             AND NOT EXISTS (SELECT 1 FROM user_bans b WHERE b.app_key = $1 AND b.user_id = u.user_id AND b.ends_at > $5::bigint)
           ON CONFLICT DO NOTHING
           RETURNING 1)
         SELECT (SELECT max(user_id) FROM page) AS last_user, (SELECT count(*)::int FROM page) AS users, (SELECT count(*)::int FROM added) AS written`,
        params,
      );
      const row = result.rows[0];
      if (!row?.last_user) return undefined;
      return { lastUser: row.last_user, users: Number(row.users), written: Number(row.written) };
    },

    async usersOf(appKey, audience, limit) {
      const params: unknown[] = [appKey, limit];
      const condition = audienceCondition(audience, params);
      const result = await sql.query<{ user_id: string }>(`SELECT u.user_id FROM users u WHERE u.app_key = $1 AND ${condition} ORDER BY u.user_id LIMIT $2::int`, params);
      return result.rows.map((row) => row.user_id);
    },
  };
}
