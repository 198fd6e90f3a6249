import type { Redis } from 'ioredis';
import type { SqlClient } from '../../src/store/sql.js';

/** Tables a deleted account leaves as they are: group and ultra-group memberships and their settings. */
export const membershipTables = ['group_members', 'group_gags', 'group_mute_whitelist', 'ultra_group_members', 'ultra_group_channel_users', 'ultra_group_user_lists'];

/** Every text or JSON column of every table, with how many of its rows mention `needle`. */
export async function sqlTraces(sql: SqlClient, needle: string): Promise<Record<string, number>> {
  const columns = await sql.query<{ table_name: string; column_name: string }>(
    `SELECT table_name, column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'jsonb')
     ORDER BY table_name, column_name`,
  );
  const found: Record<string, number> = {};
  for (const { table_name: table, column_name: column } of columns.rows) {
    const result = await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE position($1 in ${column}::text) > 0`, [needle]);
    const n = Number(result.rows[0]?.n ?? 0);
    if (n > 0) found[`${table}.${column}`] = n;
  }
  return found;
}

/**
 * Every key of `namespace` that mentions `needle` in its name or its contents (hash
 * fields and values, set and sorted-set members, strings, lists, stream entries), except
 * the contents of the streams `skipContents` accepts.
 */
export async function redisTraces(redis: Redis, namespace: string, needle: string, skipContents: (key: string) => boolean = () => false): Promise<string[]> {
  const found: string[] = [];
  for (let cursor = '0'; ; ) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}:*`, 'COUNT', 1000);
    for (const key of keys) {
      if (key.includes(needle)) found.push(key);
      else if (!skipContents(key) && (await contents(redis, key)).some((value) => value.includes(needle))) found.push(`${key} (contents)`);
    }
    if (next === '0') return found;
    cursor = next;
  }
}

async function contents(redis: Redis, key: string): Promise<string[]> {
  switch (await redis.type(key)) {
    case 'hash':
      return Object.entries(await redis.hgetall(key)).flat();
    case 'set':
      return redis.smembers(key);
    case 'zset':
      return redis.zrange(key, 0, -1);
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'string':
      return [(await redis.get(key)) ?? ''];
    case 'stream':
      return (await redis.xrange(key, '-', '+')).flatMap(([, fields]) => fields);
    default:
      return [];
  }
}
