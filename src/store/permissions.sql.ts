import type { MuteRow, PermissionStore, RecipientStanding, SensitiveWordRow } from './permissions.js';
import type { SqlClient } from './sql.js';

interface StandingRow {
  user_id: string;
  blocked: boolean;
  has_allowlist: boolean;
  allowed: boolean;
  friend: boolean;
}

export function createSqlPermissionStore(sql: SqlClient): PermissionStore {
  return {
    async addRelations(appKey, kind, userId, others, now) {
      if (others.length === 0) return;
      await sql.query(
        `INSERT INTO user_relations (app_key, kind, user_id, other_user_id, created_at)
         SELECT $1, $2, $3, other, $5 FROM unnest($4::text[]) AS other
         ON CONFLICT DO NOTHING`,
        [appKey, kind, userId, others, now],
      );
    },

    async removeRelations(appKey, kind, userId, others) {
      await sql.query(
        'DELETE FROM user_relations WHERE app_key = $1 AND kind = $2 AND user_id = $3 AND other_user_id = ANY($4::text[])',
        [appKey, kind, userId, others],
      );
    },

    async listRelations(appKey, kind, userId, after, limit) {
      const result = await sql.query<{ other_user_id: string }>(
        `SELECT other_user_id FROM user_relations
         WHERE app_key = $1 AND kind = $2 AND user_id = $3 AND other_user_id > $4
         ORDER BY other_user_id LIMIT $5`,
        [appKey, kind, userId, after, limit],
      );
      return result.rows.map((row) => row.other_user_id);
    },

    async listRelationsAmong(appKey, kind, userId, others) {
      const result = await sql.query<{ other_user_id: string }>(
        'SELECT other_user_id FROM user_relations WHERE app_key = $1 AND kind = $2 AND user_id = $3 AND other_user_id = ANY($4::text[])',
        [appKey, kind, userId, others],
      );
      return new Set(result.rows.map((row) => row.other_user_id));
    },

    async standings(appKey, senderId, recipients) {
      if (recipients.length === 0) return new Map();
      // One statement, primary-key lookups per recipient.
      const result = await sql.query<StandingRow>(
        `SELECT r.user_id,
           EXISTS (SELECT 1 FROM user_relations x WHERE x.app_key = $1 AND x.kind = 'block' AND x.user_id = r.user_id AND x.other_user_id = $2) AS blocked,
           EXISTS (SELECT 1 FROM user_relations x WHERE x.app_key = $1 AND x.kind = 'allow' AND x.user_id = r.user_id) AS has_allowlist,
           EXISTS (SELECT 1 FROM user_relations x WHERE x.app_key = $1 AND x.kind = 'allow' AND x.user_id = r.user_id AND x.other_user_id = $2) AS allowed,
           EXISTS (SELECT 1 FROM user_relations x WHERE x.app_key = $1 AND x.kind = 'friend' AND x.user_id = r.user_id AND x.other_user_id = $2) AS friend
         FROM unnest($3::text[]) AS r(user_id)`,
        [appKey, senderId, recipients],
      );
      return new Map<string, RecipientStanding>(
        result.rows.map((row) => [
          row.user_id,
          { blocked: row.blocked, hasAllowlist: row.has_allowlist, allowed: row.allowed, friend: row.friend },
        ]),
      );
    },

    async ban(appKey, userIds, endsAt) {
      await sql.query(
        `INSERT INTO user_bans (app_key, user_id, ends_at) SELECT $1, u, $3 FROM unnest($2::text[]) AS u
         ON CONFLICT (app_key, user_id) DO UPDATE SET ends_at = EXCLUDED.ends_at`,
        [appKey, userIds, endsAt],
      );
    },

    async unban(appKey, userIds) {
      await sql.query('DELETE FROM user_bans WHERE app_key = $1 AND user_id = ANY($2::text[])', [appKey, userIds]);
    },

    async banEnd(appKey, userId, now) {
      const result = await sql.query<{ ends_at: number }>(
        'SELECT ends_at FROM user_bans WHERE app_key = $1 AND user_id = $2 AND ends_at > $3',
        [appKey, userId, now],
      );
      return result.rows[0]?.ends_at;
    },

    async listBans(appKey, now, offset, limit) {
      const result = await sql.query<{ user_id: string; ends_at: number }>(
        'SELECT user_id, ends_at FROM user_bans WHERE app_key = $1 AND ends_at > $2 ORDER BY user_id OFFSET $3 LIMIT $4',
        [appKey, now, offset, limit],
      );
      return result.rows.map((row) => ({ userId: row.user_id, endsAt: row.ends_at }));
    },

    async setPrivateMute(appKey, userIds, muted, now) {
      if (!muted) {
        await sql.query('DELETE FROM private_chat_mutes WHERE app_key = $1 AND user_id = ANY($2::text[])', [appKey, userIds]);
        return;
      }
      await sql.query(
        'INSERT INTO private_chat_mutes (app_key, user_id, created_at) SELECT $1, u, $3 FROM unnest($2::text[]) AS u ON CONFLICT DO NOTHING',
        [appKey, userIds, now],
      );
    },

    async isPrivateMuted(appKey, userId) {
      return (await sql.query('SELECT 1 FROM private_chat_mutes WHERE app_key = $1 AND user_id = $2', [appKey, userId])).rows.length > 0;
    },

    async listPrivateMutes(appKey, offset, limit) {
      const [rows, count] = await Promise.all([
        sql.query<{ user_id: string }>('SELECT user_id FROM private_chat_mutes WHERE app_key = $1 ORDER BY user_id OFFSET $2 LIMIT $3', [appKey, offset, limit]),
        sql.query<{ n: number }>('SELECT count(*)::int AS n FROM private_chat_mutes WHERE app_key = $1', [appKey]),
      ]);
      return { total: Number(count.rows[0]?.n ?? 0), userIds: rows.rows.map((row) => row.user_id) };
    },

    async addWords(appKey, words) {
      if (words.length === 0) return;
      await sql.query(
        `INSERT INTO sensitive_words (app_key, word, replace_word, type)
         SELECT $1, w.word, w.replace_word, w.type
         FROM unnest($2::text[], $3::text[], $4::smallint[]) AS w(word, replace_word, type)
         ON CONFLICT (app_key, word) DO UPDATE SET replace_word = EXCLUDED.replace_word, type = EXCLUDED.type`,
        [appKey, words.map((w) => w.word), words.map((w) => w.replaceWord), words.map((w) => w.type)],
      );
    },

    async removeWords(appKey, words) {
      await sql.query('DELETE FROM sensitive_words WHERE app_key = $1 AND word = ANY($2::text[])', [appKey, words]);
    },

    async listWords(appKey, type) {
      const result = await sql.query<{ word: string; replace_word: string; type: number }>(
        'SELECT word, replace_word, type FROM sensitive_words WHERE app_key = $1 AND ($2::smallint IS NULL OR type = $2) ORDER BY word',
        [appKey, type ?? null],
      );
      return result.rows.map((row): SensitiveWordRow => ({ word: row.word, replaceWord: row.replace_word, type: row.type === 1 ? 1 : 0 }));
    },

    async setMute(appKey, userId, mute) {
      if (mute.unpushLevel === 0) {
        await sql.query(
          `DELETE FROM conversation_mutes
           WHERE app_key = $1 AND user_id = $2 AND conversation_type = $3 AND target_id = $4 AND bus_channel = $5`,
          [appKey, userId, mute.conversationType, mute.targetId, mute.busChannel],
        );
        return;
      }
      await sql.query(
        `INSERT INTO conversation_mutes (app_key, user_id, conversation_type, target_id, bus_channel, unpush_level)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (app_key, user_id, conversation_type, target_id, bus_channel) DO UPDATE SET unpush_level = EXCLUDED.unpush_level`,
        [appKey, userId, mute.conversationType, mute.targetId, mute.busChannel, mute.unpushLevel],
      );
    },

    async getMute(appKey, userId, conversationType, targetId, busChannel) {
      const result = await sql.query<{ unpush_level: number }>(
        `SELECT unpush_level FROM conversation_mutes
         WHERE app_key = $1 AND user_id = $2 AND conversation_type = $3 AND target_id = $4 AND bus_channel = $5`,
        [appKey, userId, conversationType, targetId, busChannel],
      );
      return result.rows[0]?.unpush_level ?? 0;
    },

    async listMutes(appKey, userId) {
      const result = await sql.query<{ conversation_type: number; target_id: string; bus_channel: string; unpush_level: number }>(
        `SELECT conversation_type, target_id, bus_channel, unpush_level FROM conversation_mutes
         WHERE app_key = $1 AND user_id = $2 ORDER BY conversation_type, target_id, bus_channel`,
        [appKey, userId],
      );
      return result.rows.map(
        (row): MuteRow => ({ conversationType: row.conversation_type, targetId: row.target_id, busChannel: row.bus_channel, unpushLevel: row.unpush_level }),
      );
    },
  };
}
