import type { GroupStanding, GroupStore, GroupSummary } from './groups.js';
import type { SqlClient } from './sql.js';

/** `g` holds one row while the group ($1 app, $2 group) exists; writes guard on it. */
const theGroup = 'g AS (SELECT 1 FROM groups WHERE app_key = $1 AND group_id = $2)';
const groupFound = 'SELECT EXISTS (SELECT 1 FROM g) AS found';

export function createSqlGroupStore(sql: SqlClient): GroupStore {
  /** Runs `write` (which may read `g`) only for an existing group, in one statement. */
  const guarded = async (write: string, params: readonly unknown[]): Promise<boolean> => {
    const result = await sql.query<{ found: boolean }>(`WITH ${theGroup}, w AS (${write}) ${groupFound}`, params);
    return result.rows[0]?.found ?? false;
  };

  /** Rows of `column` in a LEFT JOIN on the group: undefined when the group is unknown. */
  const ofGroup = <Row extends Record<string, unknown>>(rows: Row[], column: keyof Row): Row[] | undefined =>
    rows.length === 0 ? undefined : rows.filter((row) => row[column] !== null);

  return {
    async addMembers(appKey, groupId, userIds, name, rename, now) {
      // The count reads the snapshot from before this statement, so new rows are added to it.
      const result = await sql.query<{ count: number }>(
        `WITH g AS (
           INSERT INTO groups (app_key, group_id, name, created_at) VALUES ($1, $2, $4, $6)
           ON CONFLICT (app_key, group_id) DO UPDATE SET name = EXCLUDED.name WHERE $5::boolean
         ), added AS (
           INSERT INTO group_members (app_key, group_id, user_id, joined_at)
           SELECT $1, $2, u, $6 FROM unnest($3::text[]) AS u
           ON CONFLICT DO NOTHING RETURNING 1
         )
         SELECT (SELECT count(*) FROM group_members WHERE app_key = $1 AND group_id = $2)
              + (SELECT count(*) FROM added) AS count`,
        [appKey, groupId, userIds, name, rename, now],
      );
      return Number(result.rows[0]?.count ?? 0);
    },

    async removeMembers(appKey, groupId, userIds) {
      await sql.query('DELETE FROM group_members WHERE app_key = $1 AND group_id = $2 AND user_id = ANY($3::text[])', [
        appKey,
        groupId,
        userIds,
      ]);
    },

    async dismiss(appKey, groupId) {
      const result = await sql.query<{ found: boolean }>(
        `WITH g AS (DELETE FROM groups WHERE app_key = $1 AND group_id = $2 RETURNING 1),
           m AS (DELETE FROM group_members WHERE app_key = $1 AND group_id = $2),
           x AS (DELETE FROM group_gags WHERE app_key = $1 AND group_id = $2),
           u AS (DELETE FROM group_mutes WHERE app_key = $1 AND group_id = $2),
           w AS (DELETE FROM group_mute_whitelist WHERE app_key = $1 AND group_id = $2)
         ${groupFound}`,
        [appKey, groupId],
      );
      return result.rows[0]?.found ?? false;
    },

    async syncUserGroups(appKey, userId, groups, now) {
      const result = await sql.query<{ group_id: string }>(
        `WITH wanted AS (SELECT * FROM unnest($3::text[], $4::text[]) AS w(group_id, name)),
           created AS (
             INSERT INTO groups (app_key, group_id, name, created_at) SELECT $1, group_id, name, $5 FROM wanted
             ON CONFLICT DO NOTHING
           ), joined AS (
             INSERT INTO group_members (app_key, group_id, user_id, joined_at) SELECT $1, group_id, $2, $5 FROM wanted
             ON CONFLICT DO NOTHING RETURNING group_id
           ), quit AS (
             DELETE FROM group_members WHERE app_key = $1 AND user_id = $2 AND group_id <> ALL($3::text[]) RETURNING group_id
           )
         SELECT group_id FROM joined UNION ALL SELECT group_id FROM quit`,
        [appKey, userId, groups.map((g) => g.groupId), groups.map((g) => g.name), now],
      );
      return result.rows.map((row) => row.group_id);
    },

    rename(appKey, groupId, name) {
      return guarded('UPDATE groups SET name = $3 WHERE app_key = $1 AND group_id = $2', [appKey, groupId, name]);
    },

    async members(appKey, groupId) {
      const result = await sql.query<{ user_id: string | null }>(
        `SELECT m.user_id FROM groups g
         LEFT JOIN group_members m ON m.app_key = g.app_key AND m.group_id = g.group_id
         WHERE g.app_key = $1 AND g.group_id = $2 ORDER BY m.joined_at, m.user_id`,
        [appKey, groupId],
      );
      return ofGroup(result.rows, 'user_id')?.map((row) => row.user_id as string);
    },

    async userGroups(appKey, userId, offset, limit) {
      const result = await sql.query<{ group_id: string; name: string }>(
        `SELECT m.group_id, g.name FROM group_members m
         JOIN groups g ON g.app_key = m.app_key AND g.group_id = m.group_id
         WHERE m.app_key = $1 AND m.user_id = $2 ORDER BY m.group_id OFFSET $3 LIMIT $4`,
        [appKey, userId, offset, limit],
      );
      return result.rows.map((row): GroupSummary => ({ groupId: row.group_id, name: row.name }));
    },

    async standing(appKey, groupId, userId, now) {
      const result = await sql.query<GroupStanding>(
        `SELECT
           EXISTS (SELECT 1 FROM group_members WHERE app_key = $1 AND group_id = $2 AND user_id = $3) AS member,
           EXISTS (SELECT 1 FROM group_gags WHERE app_key = $1 AND group_id = $2 AND user_id = $3 AND ends_at > $4) AS gagged,
           EXISTS (SELECT 1 FROM group_mutes WHERE app_key = $1 AND group_id = $2) AS muted,
           EXISTS (SELECT 1 FROM group_mute_whitelist WHERE app_key = $1 AND group_id = $2 AND user_id = $3) AS whitelisted
         FROM groups WHERE app_key = $1 AND group_id = $2`,
        [appKey, groupId, userId, now],
      );
      return result.rows[0];
    },

    gag(appKey, groupId, userIds, endsAt) {
      return guarded(
        `INSERT INTO group_gags (app_key, group_id, user_id, ends_at)
         SELECT $1, $2, u, $4 FROM (SELECT DISTINCT unnest($3::text[]) AS u) AS users WHERE EXISTS (SELECT 1 FROM g)
         ON CONFLICT (app_key, group_id, user_id) DO UPDATE SET ends_at = EXCLUDED.ends_at`,
        [appKey, groupId, userIds, endsAt],
      );
    },

    ungag(appKey, groupId, userIds) {
      return guarded('DELETE FROM group_gags WHERE app_key = $1 AND group_id = $2 AND user_id = ANY($3::text[])', [appKey, groupId, userIds]);
    },

    async gags(appKey, groupId, now) {
      const result = await sql.query<{ user_id: string | null; ends_at: number | null }>(
        `SELECT x.user_id, x.ends_at FROM groups g
         LEFT JOIN group_gags x ON x.app_key = g.app_key AND x.group_id = g.group_id AND x.ends_at > $3
         WHERE g.app_key = $1 AND g.group_id = $2 ORDER BY x.user_id`,
        [appKey, groupId, now],
      );
      return ofGroup(result.rows, 'user_id')?.map((row) => ({ userId: row.user_id as string, endsAt: Number(row.ends_at) }));
    },

    async setMuted(appKey, groupIds, muted, now) {
      const result = await sql.query<{ group_id: string }>(
        `WITH want AS (SELECT DISTINCT unnest($2::text[]) AS group_id),
           missing AS (
             SELECT w.group_id FROM want w
             WHERE NOT EXISTS (SELECT 1 FROM groups g WHERE g.app_key = $1 AND g.group_id = w.group_id)
           ), muting AS (
             INSERT INTO group_mutes (app_key, group_id, created_at) SELECT $1, group_id, $4 FROM want
             WHERE $3::boolean AND NOT EXISTS (SELECT 1 FROM missing)
             ON CONFLICT DO NOTHING
           ), unmuting AS (
             DELETE FROM group_mutes WHERE app_key = $1 AND group_id IN (SELECT group_id FROM want)
               AND NOT $3::boolean AND NOT EXISTS (SELECT 1 FROM missing)
           )
         SELECT group_id FROM missing ORDER BY group_id`,
        [appKey, groupIds, muted, now],
      );
      return result.rows.map((row) => row.group_id);
    },

    async muteStates(appKey, groupIds) {
      const result = await sql.query<{ group_id: string; muted: boolean }>(
        `SELECT g.group_id, EXISTS (SELECT 1 FROM group_mutes m WHERE m.app_key = g.app_key AND m.group_id = g.group_id) AS muted
         FROM groups g WHERE g.app_key = $1 AND g.group_id = ANY($2::text[])`,
        [appKey, groupIds],
      );
      return new Map(result.rows.map((row) => [row.group_id, row.muted]));
    },

    async mutedGroups(appKey, offset, limit) {
      const result = await sql.query<{ group_id: string }>(
        'SELECT group_id FROM group_mutes WHERE app_key = $1 ORDER BY group_id OFFSET $2 LIMIT $3',
        [appKey, offset, limit],
      );
      return result.rows.map((row) => row.group_id);
    },

    addToWhitelist(appKey, groupId, userIds) {
      return guarded(
        `INSERT INTO group_mute_whitelist (app_key, group_id, user_id)
         SELECT $1, $2, u FROM unnest($3::text[]) AS u WHERE EXISTS (SELECT 1 FROM g)
         ON CONFLICT DO NOTHING`,
        [appKey, groupId, userIds],
      );
    },

    removeFromWhitelist(appKey, groupId, userIds) {
      return guarded('DELETE FROM group_mute_whitelist WHERE app_key = $1 AND group_id = $2 AND user_id = ANY($3::text[])', [
        appKey,
        groupId,
        userIds,
      ]);
    },

    async whitelist(appKey, groupId) {
      const result = await sql.query<{ user_id: string | null }>(
        `SELECT x.user_id FROM groups g
         LEFT JOIN group_mute_whitelist x ON x.app_key = g.app_key AND x.group_id = g.group_id
         WHERE g.app_key = $1 AND g.group_id = $2 ORDER BY x.user_id`,
        [appKey, groupId],
      );
      return ofGroup(result.rows, 'user_id')?.map((row) => row.user_id as string);
    },
  };
}
