import type { ChatroomEntry, ChatroomRow, ChatroomStore, RoomFlag, RoomStanding } from './chatrooms.js';
import type { SqlClient, SqlQueryable } from './sql.js';

interface RoomRecord {
  room_id: string;
  name: string;
  created_at: number;
  destroy_type: number;
  destroy_time: number;
  muted: boolean;
  distribution_stopped: boolean;
  keep_alive: boolean;
}

interface EntryRecord {
  key: string;
  value: string;
  user_id: string;
  auto_delete: boolean;
  set_at: number;
}

/** Column per flag: a closed set, so interpolating it into SQL is safe. */
const flagColumns: Record<RoomFlag, string> = {
  muted: 'muted',
  distributionStopped: 'distribution_stopped',
  keepAlive: 'keep_alive',
};

const toRoom = (row: RoomRecord): ChatroomRow => ({
  roomId: row.room_id,
  name: row.name,
  createdAt: row.created_at,
  destroyType: row.destroy_type,
  destroyTime: row.destroy_time,
  muted: row.muted,
  distributionStopped: row.distribution_stopped,
  keepAlive: row.keep_alive,
});

const toEntry = (row: EntryRecord): ChatroomEntry => ({
  key: row.key,
  value: row.value,
  userId: row.user_id,
  autoDelete: row.auto_delete,
  setAt: row.set_at,
});

const entryColumns = 'key, value, user_id, auto_delete, set_at';

/** Thrown inside createWith's transaction to roll it back when the attributes would not fit. */
class EntriesFull extends Error {}

/** Upserts attributes of a room whose row the caller locked: 'full' (nothing written) past `maxKeys`. */
async function upsertEntries(
  tx: SqlQueryable,
  appKey: string,
  roomId: string,
  entries: readonly Omit<ChatroomEntry, 'setAt'>[],
  now: number,
  maxKeys: number,
): Promise<'ok' | 'full'> {
  if (entries.length === 0) return 'ok';
  const keys = entries.map((e) => e.key);
  const count = await tx.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM chatroom_entries WHERE app_key = $1 AND room_id = $2 AND NOT (key = ANY($3::text[]))',
    [appKey, roomId, keys],
  );
  if ((count.rows[0]?.n ?? 0) + new Set(keys).size > maxKeys) return 'full';
  await tx.query(
    `INSERT INTO chatroom_entries (app_key, room_id, key, value, user_id, auto_delete, set_at)
     SELECT $1, $2, e.key, e.value, e.user_id, e.auto_delete, $7
     FROM unnest($3::text[], $4::text[], $5::text[], $6::boolean[]) AS e(key, value, user_id, auto_delete)
     ON CONFLICT (app_key, room_id, key) DO UPDATE
       SET value = EXCLUDED.value, user_id = EXCLUDED.user_id, auto_delete = EXCLUDED.auto_delete, set_at = EXCLUDED.set_at`,
    [appKey, roomId, keys, entries.map((e) => e.value), entries.map((e) => e.userId), entries.map((e) => e.autoDelete), now],
  );
  return 'ok';
}

export function createSqlChatroomStore(sql: SqlClient): ChatroomStore {
  return {
    async createRooms(appKey, rooms, now) {
      if (rooms.length === 0) return;
      await sql.query(
        `INSERT INTO chatrooms (app_key, room_id, name, created_at, destroy_type, destroy_time)
         SELECT $1, r.room_id, r.name, $6, r.destroy_type, r.destroy_time
         FROM unnest($2::text[], $3::text[], $4::smallint[], $5::integer[]) AS r(room_id, name, destroy_type, destroy_time)
         ON CONFLICT (app_key, room_id) DO UPDATE SET name = EXCLUDED.name`,
        [
          appKey,
          rooms.map((r) => r.roomId),
          rooms.map((r) => r.name),
          rooms.map((r) => r.destroyType ?? 0),
          rooms.map((r) => r.destroyTime ?? 0),
          now,
        ],
      );
    },

    async getRooms(appKey, roomIds) {
      if (roomIds.length === 0) return [];
      const result = await sql.query<RoomRecord>(
        `SELECT c.* FROM unnest($2::text[]) WITH ORDINALITY AS r(room_id, n)
         JOIN chatrooms c ON c.app_key = $1 AND c.room_id = r.room_id
         ORDER BY r.n`,
        [appKey, roomIds],
      );
      return result.rows.map(toRoom);
    },

    async destroyRooms(appKey, roomIds) {
      if (roomIds.length === 0) return [];
      return sql.transaction(async (tx) => {
        const deleted = await tx.query<{ room_id: string }>(
          'DELETE FROM chatrooms WHERE app_key = $1 AND room_id = ANY($2::text[]) RETURNING room_id',
          [appKey, roomIds],
        );
        const ids = deleted.rows.map((row) => row.room_id);
        for (const table of ['chatroom_user_limits', 'chatroom_user_lists', 'chatroom_entries']) {
          // chatroom_user_limits also holds app-wide bans under room '', never a room id.
          await tx.query(`DELETE FROM ${table} WHERE app_key = $1 AND room_id = ANY($2::text[])`, [appKey, ids]);
        }
        return ids;
      });
    },

    async setDestroy(appKey, roomId, destroyType, destroyTime) {
      const result = await sql.query<{ room_id: string }>(
        'UPDATE chatrooms SET destroy_type = $3, destroy_time = $4 WHERE app_key = $1 AND room_id = $2 RETURNING room_id',
        [appKey, roomId, destroyType, destroyTime],
      );
      return result.rows.length > 0;
    },

    async setFlag(appKey, roomId, flag, value) {
      const result = await sql.query<{ room_id: string }>(
        `UPDATE chatrooms SET ${flagColumns[flag]} = $3 WHERE app_key = $1 AND room_id = $2 RETURNING room_id`,
        [appKey, roomId, value],
      );
      return result.rows.length > 0;
    },

    async listFlagged(appKey, flag, offset, limit) {
      const result = await sql.query<{ room_id: string }>(
        `SELECT room_id FROM chatrooms WHERE app_key = $1 AND ${flagColumns[flag]} ORDER BY room_id OFFSET $2 LIMIT $3`,
        [appKey, offset, limit],
      );
      return result.rows.map((row) => row.room_id);
    },

    async addLimits(appKey, kind, roomId, userIds, endsAt, now) {
      if (userIds.length === 0) return;
      // Expired rows of this list go here, so the table does not grow with old limits.
      await sql.query('DELETE FROM chatroom_user_limits WHERE app_key = $1 AND kind = $2 AND room_id = $3 AND ends_at <= $4', [appKey, kind, roomId, now]);
      await sql.query(
        `INSERT INTO chatroom_user_limits (app_key, kind, room_id, user_id, ends_at)
         SELECT $1, $2, $3, u, $5 FROM unnest($4::text[]) AS u
         ON CONFLICT (app_key, kind, room_id, user_id) DO UPDATE SET ends_at = EXCLUDED.ends_at`,
        [appKey, kind, roomId, userIds, endsAt],
      );
    },

    async removeLimits(appKey, kind, roomId, userIds) {
      await sql.query(
        'DELETE FROM chatroom_user_limits WHERE app_key = $1 AND kind = $2 AND room_id = $3 AND user_id = ANY($4::text[])',
        [appKey, kind, roomId, userIds],
      );
    },

    async listLimits(appKey, kind, roomId, now) {
      const result = await sql.query<{ user_id: string; ends_at: number }>(
        `SELECT user_id, ends_at FROM chatroom_user_limits
         WHERE app_key = $1 AND kind = $2 AND room_id = $3 AND ends_at > $4 ORDER BY user_id`,
        [appKey, kind, roomId, now],
      );
      return result.rows.map((row) => ({ userId: row.user_id, endsAt: row.ends_at }));
    },

    async addUsers(appKey, kind, roomId, userIds) {
      if (userIds.length === 0) return;
      await sql.query(
        `INSERT INTO chatroom_user_lists (app_key, kind, room_id, user_id)
         SELECT $1, $2, $3, u FROM unnest($4::text[]) AS u ON CONFLICT DO NOTHING`,
        [appKey, kind, roomId, userIds],
      );
    },

    async removeUsers(appKey, kind, roomId, userIds) {
      await sql.query(
        'DELETE FROM chatroom_user_lists WHERE app_key = $1 AND kind = $2 AND room_id = $3 AND user_id = ANY($4::text[])',
        [appKey, kind, roomId, userIds],
      );
    },

    async listUsers(appKey, kind, roomId) {
      const result = await sql.query<{ user_id: string }>(
        'SELECT user_id FROM chatroom_user_lists WHERE app_key = $1 AND kind = $2 AND room_id = $3 ORDER BY user_id',
        [appKey, kind, roomId],
      );
      return result.rows.map((row) => row.user_id);
    },

    async addObjectNames(appKey, kind, objectNames) {
      if (objectNames.length === 0) return;
      await sql.query(
        `INSERT INTO chatroom_object_names (app_key, kind, object_name)
         SELECT $1, $2, o FROM unnest($3::text[]) AS o ON CONFLICT DO NOTHING`,
        [appKey, kind, objectNames],
      );
    },

    async removeObjectNames(appKey, kind, objectNames) {
      await sql.query(
        'DELETE FROM chatroom_object_names WHERE app_key = $1 AND kind = $2 AND object_name = ANY($3::text[])',
        [appKey, kind, objectNames],
      );
    },

    async listObjectNames(appKey, kind) {
      const result = await sql.query<{ object_name: string }>(
        'SELECT object_name FROM chatroom_object_names WHERE app_key = $1 AND kind = $2 ORDER BY object_name',
        [appKey, kind],
      );
      return result.rows.map((row) => row.object_name);
    },

    async standing(appKey, roomId, userId, objectName, now) {
      // One statement of primary-key lookups: this runs on every chatroom send and join.
      const result = await sql.query<{
        muted: boolean; blocked: boolean; gagged: boolean; banned: boolean;
        whitelisted: boolean; mute_whitelisted: boolean; object_allowed: boolean;
      }>(
        `SELECT c.muted,
           EXISTS (SELECT 1 FROM chatroom_user_limits l WHERE l.app_key = $1 AND l.kind = 'block' AND l.room_id = $2 AND l.user_id = $3 AND l.ends_at > $5) AS blocked,
           EXISTS (SELECT 1 FROM chatroom_user_limits l WHERE l.app_key = $1 AND l.kind = 'gag' AND l.room_id = $2 AND l.user_id = $3 AND l.ends_at > $5) AS gagged,
           EXISTS (SELECT 1 FROM chatroom_user_limits l WHERE l.app_key = $1 AND l.kind = 'ban' AND l.room_id = '' AND l.user_id = $3 AND l.ends_at > $5) AS banned,
           EXISTS (SELECT 1 FROM chatroom_user_lists w WHERE w.app_key = $1 AND w.kind = 'whitelist' AND w.room_id = $2 AND w.user_id = $3) AS whitelisted,
           EXISTS (SELECT 1 FROM chatroom_user_lists w WHERE w.app_key = $1 AND w.kind = 'mute_whitelist' AND w.room_id = $2 AND w.user_id = $3) AS mute_whitelisted,
           EXISTS (SELECT 1 FROM chatroom_object_names o WHERE o.app_key = $1 AND o.kind = 'whitelist' AND o.object_name = $4) AS object_allowed
         FROM chatrooms c WHERE c.app_key = $1 AND c.room_id = $2`,
        [appKey, roomId, userId, objectName, now],
      );
      const row = result.rows[0];
      if (!row) return undefined;
      return {
        blocked: row.blocked,
        gagged: row.gagged,
        banned: row.banned,
        whitelisted: row.whitelisted,
        muteWhitelisted: row.mute_whitelisted,
        roomMuted: row.muted,
        objectNameAllowed: row.object_allowed,
      } satisfies RoomStanding;
    },

    async setEntries(appKey, roomId, entries, now, maxKeys) {
      return sql.transaction(async (tx) => {
        // Locking the room row serialises concurrent sets, so the key cap holds.
        const room = await tx.query('SELECT 1 FROM chatrooms WHERE app_key = $1 AND room_id = $2 FOR UPDATE', [appKey, roomId]);
        if (room.rows.length === 0) return 'noRoom' as const;
        return upsertEntries(tx, appKey, roomId, entries, now, maxKeys);
      });
    },

    createWith(appKey, room, settings, now, maxKeys) {
      return sql.transaction(async (tx) => {
        // The upsert locks the room row: a concurrent create_new, set or destroy of the room waits for this one.
        await tx.query(
          `INSERT INTO chatrooms (app_key, room_id, name, created_at, destroy_type, destroy_time, muted)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (app_key, room_id) DO UPDATE
             SET name = EXCLUDED.name, destroy_type = EXCLUDED.destroy_type, destroy_time = EXCLUDED.destroy_time, muted = EXCLUDED.muted`,
          [appKey, room.roomId, room.name, now, room.destroyType ?? 0, room.destroyTime ?? 0, settings.muted],
        );
        await tx.query(
          `INSERT INTO chatroom_user_lists (app_key, kind, room_id, user_id)
           SELECT $1, 'mute_whitelist', $2, u FROM unnest($3::text[]) AS u ON CONFLICT DO NOTHING`,
          [appKey, room.roomId, settings.muteWhitelist],
        );
        const result = await upsertEntries(tx, appKey, room.roomId, settings.entries, now, maxKeys);
        // Nothing of a refused create stays: the rollback takes the room and its settings back.
        if (result === 'full') throw new EntriesFull();
        return result;
      }).catch((err: unknown) => {
        if (err instanceof EntriesFull) return 'full' as const;
        throw err;
      });
    },

    async removeEntry(appKey, roomId, key) {
      const result = await sql.query<EntryRecord>(
        `DELETE FROM chatroom_entries WHERE app_key = $1 AND room_id = $2 AND key = $3 RETURNING ${entryColumns}`,
        [appKey, roomId, key],
      );
      const row = result.rows[0];
      return row && toEntry(row);
    },

    async listEntries(appKey, roomId, keys) {
      const result = await sql.query<EntryRecord>(
        `SELECT ${entryColumns} FROM chatroom_entries
         WHERE app_key = $1 AND room_id = $2 AND ($3::text[] IS NULL OR key = ANY($3::text[])) ORDER BY key`,
        [appKey, roomId, keys ?? null],
      );
      return result.rows.map(toEntry);
    },

    async removeAutoDeleteEntries(appKey, roomId, userIds) {
      if (userIds.length === 0) return [];
      const result = await sql.query<EntryRecord>(
        `DELETE FROM chatroom_entries WHERE app_key = $1 AND room_id = $2 AND auto_delete AND user_id = ANY($3::text[])
         RETURNING ${entryColumns}`,
        [appKey, roomId, userIds],
      );
      return result.rows.map(toEntry).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },

    forgetUser(appKey, userId) {
      return sql.transaction(async (tx) => {
        for (const table of ['chatroom_user_limits', 'chatroom_user_lists']) {
          await tx.query(`DELETE FROM ${table} WHERE app_key = $1 AND user_id = $2`, [appKey, userId]);
        }
        const entries = await tx.query<EntryRecord & { room_id: string }>(
          `DELETE FROM chatroom_entries WHERE app_key = $1 AND user_id = $2 RETURNING room_id, ${entryColumns}`,
          [appKey, userId],
        );
        return entries.rows.map((row) => ({ roomId: row.room_id, ...toEntry(row) }));
      });
    },
  };
}
