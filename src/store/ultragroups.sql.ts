import { createSqlUltraGroupHistoryQueries } from './history-query.sql.js';
import type { SqlClient } from './sql.js';
import type { UltraGroupChannelRow, UltraGroupSendStanding, UltraGroupStore } from './ultragroups.js';

interface StandingRow {
  channel_private: boolean | null;
  member: boolean;
  in_channel: boolean;
  muted: boolean;
  globally_muted: boolean;
  allowed: boolean;
}

/** Tables holding per-group rows, removed with the group (ultra_groups last). */
const groupTables = ['ultra_group_members', 'ultra_group_channel_users', 'ultra_group_user_lists', 'ultra_group_global_mutes', 'ultra_group_channels', 'ultra_groups'];
/** Tables holding per-channel rows, removed with the channel. */
const channelTables = ['ultra_group_channel_users', 'ultra_group_user_lists', 'ultra_group_global_mutes', 'ultra_group_channels'];

export function createSqlUltraGroupStore(sql: SqlClient): UltraGroupStore {
  return {
    ...createSqlUltraGroupHistoryQueries(sql),

    async create(appKey, groupId, name, ownerId, now) {
      await sql.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO ultra_groups (app_key, group_id, name, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (app_key, group_id) DO UPDATE SET name = EXCLUDED.name`,
          [appKey, groupId, name, now],
        );
        await tx.query(
          `INSERT INTO ultra_group_members (app_key, group_id, user_id, joined_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT DO NOTHING`,
          [appKey, groupId, ownerId, now],
        );
      });
    },

    async dismiss(appKey, groupId) {
      await sql.transaction(async (tx) => {
        for (const table of groupTables) await tx.query(`DELETE FROM ${table} WHERE app_key = $1 AND group_id = $2`, [appKey, groupId]);
      });
    },

    async rename(appKey, groupId, name) {
      await sql.query('UPDATE ultra_groups SET name = $3 WHERE app_key = $1 AND group_id = $2', [appKey, groupId, name]);
    },

    async lookup(appKey, groupId, busChannel) {
      const result = await sql.query<{ channel_private: boolean | null }>(
        `SELECT CASE WHEN $3::text = '' THEN false
                     ELSE (SELECT c.private FROM ultra_group_channels c
                           WHERE c.app_key = g.app_key AND c.group_id = g.group_id AND c.bus_channel = $3) END AS channel_private
         FROM ultra_groups g WHERE g.app_key = $1 AND g.group_id = $2`,
        [appKey, groupId, busChannel],
      );
      const row = result.rows[0];
      if (!row) return { group: false };
      return row.channel_private === null ? { group: true, channel: undefined } : { group: true, channel: { private: row.channel_private } };
    },

    async addMember(appKey, groupId, userId, now) {
      await sql.query(
        'INSERT INTO ultra_group_members (app_key, group_id, user_id, joined_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [appKey, groupId, userId, now],
      );
    },

    async removeMember(appKey, groupId, userId) {
      await sql.transaction(async (tx) => {
        await tx.query('DELETE FROM ultra_group_members WHERE app_key = $1 AND group_id = $2 AND user_id = $3', [appKey, groupId, userId]);
        await tx.query('DELETE FROM ultra_group_channel_users WHERE app_key = $1 AND group_id = $2 AND user_id = $3', [appKey, groupId, userId]);
      });
    },

    async isMember(appKey, groupId, userId) {
      const result = await sql.query('SELECT 1 FROM ultra_group_members WHERE app_key = $1 AND group_id = $2 AND user_id = $3', [appKey, groupId, userId]);
      return result.rows.length > 0;
    },

    async audience(appKey, groupId, busChannel, privateChannel) {
      const result = privateChannel
        ? await sql.query<{ user_id: string }>(
            `SELECT m.user_id FROM ultra_group_members m
             JOIN ultra_group_channel_users c
               ON c.app_key = m.app_key AND c.group_id = m.group_id AND c.user_id = m.user_id AND c.bus_channel = $3
             WHERE m.app_key = $1 AND m.group_id = $2 ORDER BY m.user_id`,
            [appKey, groupId, busChannel],
          )
        : await sql.query<{ user_id: string }>('SELECT user_id FROM ultra_group_members WHERE app_key = $1 AND group_id = $2 ORDER BY user_id', [appKey, groupId]);
      return result.rows.map((row) => row.user_id);
    },

    async createChannel(appKey, groupId, channel) {
      const result = await sql.query(
        `INSERT INTO ultra_group_channels (app_key, group_id, bus_channel, private, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT DO NOTHING RETURNING 1`,
        [appKey, groupId, channel.busChannel, channel.private, channel.createdAt],
      );
      return result.rows.length > 0;
    },

    async deleteChannel(appKey, groupId, busChannel) {
      await sql.transaction(async (tx) => {
        for (const table of channelTables) {
          await tx.query(`DELETE FROM ${table} WHERE app_key = $1 AND group_id = $2 AND bus_channel = $3`, [appKey, groupId, busChannel]);
        }
      });
    },

    async setChannelPrivate(appKey, groupId, busChannel, isPrivate) {
      await sql.query('UPDATE ultra_group_channels SET private = $4 WHERE app_key = $1 AND group_id = $2 AND bus_channel = $3', [appKey, groupId, busChannel, isPrivate]);
    },

    async listChannels(appKey, groupId, offset, limit) {
      const result = await sql.query<{ bus_channel: string; private: boolean; created_at: number }>(
        `SELECT bus_channel, private, created_at FROM ultra_group_channels WHERE app_key = $1 AND group_id = $2
         ORDER BY created_at, bus_channel OFFSET $3 LIMIT $4`,
        [appKey, groupId, offset, limit],
      );
      return result.rows.map((row): UltraGroupChannelRow => ({ busChannel: row.bus_channel, private: row.private, createdAt: row.created_at }));
    },

    async addChannelUsers(appKey, groupId, busChannel, userIds) {
      await sql.query(
        `INSERT INTO ultra_group_channel_users (app_key, group_id, bus_channel, user_id)
         SELECT $1, $2, $3, u FROM unnest($4::text[]) AS u ON CONFLICT DO NOTHING`,
        [appKey, groupId, busChannel, userIds],
      );
    },

    async removeChannelUsers(appKey, groupId, busChannel, userIds) {
      await sql.query(
        'DELETE FROM ultra_group_channel_users WHERE app_key = $1 AND group_id = $2 AND bus_channel = $3 AND user_id = ANY($4::text[])',
        [appKey, groupId, busChannel, userIds],
      );
    },

    async listMembers(appKey, groupId, offset, limit) {
      const result = await sql.query<{ user_id: string }>(
        'SELECT user_id FROM ultra_group_members WHERE app_key = $1 AND group_id = $2 ORDER BY user_id OFFSET $3 LIMIT $4',
        [appKey, groupId, offset, limit],
      );
      return result.rows.map((row) => row.user_id);
    },

    async groupsOf(appKey, userId, offset, limit) {
      const result = await sql.query<{ group_id: string; name: string }>(
        `SELECT g.group_id, g.name FROM ultra_group_members m JOIN ultra_groups g ON g.app_key = m.app_key AND g.group_id = m.group_id
         WHERE m.app_key = $1 AND m.user_id = $2 ORDER BY g.group_id OFFSET $3 LIMIT $4`,
        [appKey, userId, offset, limit],
      );
      return result.rows.map((row) => ({ groupId: row.group_id, name: row.name }));
    },

    async listChannelUsers(appKey, groupId, busChannel, offset, limit) {
      const result = await sql.query<{ user_id: string }>(
        `SELECT user_id FROM ultra_group_channel_users WHERE app_key = $1 AND group_id = $2 AND bus_channel = $3
         ORDER BY user_id OFFSET $4 LIMIT $5`,
        [appKey, groupId, busChannel, offset, limit],
      );
      return result.rows.map((row) => row.user_id);
    },

    async addToList(appKey, groupId, busChannel, kind, userIds, now) {
      await sql.query(
        `INSERT INTO ultra_group_user_lists (app_key, group_id, bus_channel, kind, user_id, created_at)
         SELECT $1, $2, $3, $4, u, $6 FROM unnest($5::text[]) AS u ON CONFLICT DO NOTHING`,
        [appKey, groupId, busChannel, kind, userIds, now],
      );
    },

    async removeFromList(appKey, groupId, busChannel, kind, userIds) {
      await sql.query(
        `DELETE FROM ultra_group_user_lists
         WHERE app_key = $1 AND group_id = $2 AND bus_channel = $3 AND kind = $4 AND user_id = ANY($5::text[])`,
        [appKey, groupId, busChannel, kind, userIds],
      );
    },

    async list(appKey, groupId, busChannel, kind, offset, limit) {
      const result = await sql.query<{ user_id: string }>(
        `SELECT user_id FROM ultra_group_user_lists WHERE app_key = $1 AND group_id = $2 AND bus_channel = $3 AND kind = $4
         ORDER BY user_id OFFSET $5 LIMIT $6`,
        [appKey, groupId, busChannel, kind, offset, limit],
      );
      return result.rows.map((row) => row.user_id);
    },

    async setGlobalMute(appKey, groupId, busChannel, muted) {
      await sql.query(
        muted
          ? 'INSERT INTO ultra_group_global_mutes (app_key, group_id, bus_channel) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING'
          : 'DELETE FROM ultra_group_global_mutes WHERE app_key = $1 AND group_id = $2 AND bus_channel = $3',
        [appKey, groupId, busChannel],
      );
    },

    async isGloballyMuted(appKey, groupId, busChannel) {
      const result = await sql.query('SELECT 1 FROM ultra_group_global_mutes WHERE app_key = $1 AND group_id = $2 AND bus_channel = $3', [appKey, groupId, busChannel]);
      return result.rows.length > 0;
    },

    async sendStanding(appKey, groupId, busChannel, userId) {
      // One statement, primary-key lookups only; scope '' (the whole group) always counts.
      const result = await sql.query<StandingRow>(
        `SELECT
           CASE WHEN $3::text = '' THEN false
                ELSE (SELECT c.private FROM ultra_group_channels c WHERE c.app_key = $1 AND c.group_id = $2 AND c.bus_channel = $3) END AS channel_private,
           EXISTS (SELECT 1 FROM ultra_group_members m WHERE m.app_key = $1 AND m.group_id = $2 AND m.user_id = $4) AS member,
           EXISTS (SELECT 1 FROM ultra_group_channel_users u
                   WHERE u.app_key = $1 AND u.group_id = $2 AND u.bus_channel = $3 AND u.user_id = $4) AS in_channel,
           EXISTS (SELECT 1 FROM ultra_group_user_lists l
                   WHERE l.app_key = $1 AND l.group_id = $2 AND l.bus_channel IN ('', $3::text) AND l.kind = 'muted' AND l.user_id = $4) AS muted,
           EXISTS (SELECT 1 FROM ultra_group_global_mutes x
                   WHERE x.app_key = $1 AND x.group_id = $2 AND x.bus_channel IN ('', $3::text)) AS globally_muted,
           EXISTS (SELECT 1 FROM ultra_group_user_lists l
                   WHERE l.app_key = $1 AND l.group_id = $2 AND l.bus_channel IN ('', $3::text) AND l.kind = 'allowed' AND l.user_id = $4) AS allowed
         FROM ultra_groups g WHERE g.app_key = $1 AND g.group_id = $2`,
        [appKey, groupId, busChannel, userId],
      );
      const row = result.rows[0];
      if (!row) return undefined;
      return {
        channelPrivate: row.channel_private ?? undefined,
        member: row.member,
        inChannel: row.in_channel,
        muted: row.muted,
        globallyMuted: row.globally_muted,
        allowed: row.allowed,
      } satisfies UltraGroupSendStanding;
    },
  };
}
