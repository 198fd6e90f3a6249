import type { Claim, OnceStore } from './once.js';
import { masters, type RedisClient } from './redis-client.js';

/*
 * `<ns>:once:<key>` holds `R|<leaseUntil>|<stamp>` while attempts run (or have failed:
 * leaseUntil 0), then `D|<result>`; it expires `ttlMs` after the first attempt.
 */
const beginLua = `
-- KEYS[1] the record; ARGV[1] stamp, ARGV[2] now, ARGV[3] leaseMs, ARGV[4] ttlMs
-- Returns { state, stamp or result }.
local v = redis.call('GET', KEYS[1])
local now, lease = tonumber(ARGV[2]), tonumber(ARGV[3])
if not v then
  redis.call('SET', KEYS[1], 'R|' .. string.format('%.0f', now + lease) .. '|' .. ARGV[1], 'PX', ARGV[4])
  return { 'first' }
end
if string.sub(v, 1, 2) == 'D|' then return { 'done', string.sub(v, 3) } end
local sep = string.find(v, '|', 3, true)
local leaseUntil, stamp = tonumber(string.sub(v, 3, sep - 1)), string.sub(v, sep + 1)
-- The lease's own stamp: this claim, sent again by the client after a cut connection.
if now < leaseUntil then return { stamp == ARGV[1] and 'first' or 'running' } end
redis.call('SET', KEYS[1], 'R|' .. string.format('%.0f', now + lease) .. '|' .. stamp, 'KEEPTTL')
return { 'retry', stamp }
`;

const finishLua = `
-- KEYS[1] the record; ARGV[1] result. Keeps the record's expiry; nothing when it is gone.
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('SET', KEYS[1], 'D|' .. ARGV[1], 'KEEPTTL') end
`;

const failLua = `
-- KEYS[1] the record: its lease ends now (the stamp stays for the retry).
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 1, 2) == 'R|' then
  local sep = string.find(v, '|', 3, true)
  redis.call('SET', KEYS[1], 'R|0|' .. string.sub(v, sep + 1), 'KEEPTTL')
end
`;

type Script = (...args: Array<string | number>) => Promise<unknown>;

export function createRedisOnceStore(redis: RedisClient, namespace: string): OnceStore {
  redis.defineCommand('parleyOnceBegin', { numberOfKeys: 1, lua: beginLua });
  redis.defineCommand('parleyOnceFinish', { numberOfKeys: 1, lua: finishLua });
  redis.defineCommand('parleyOnceFail', { numberOfKeys: 1, lua: failLua });
  const scripts = redis as RedisClient & { parleyOnceBegin: Script; parleyOnceFinish: Script; parleyOnceFail: Script };
  const keyOf = (key: string) => `${namespace}:once:${key}`;
  return {
    async begin(key, stamp, now, leaseMs, ttlMs) {
      const [state, value] = (await scripts.parleyOnceBegin(keyOf(key), stamp, now, leaseMs, ttlMs)) as [string, string | undefined];
      switch (state) {
        case 'first':
          return { state: 'first' };
        case 'running':
          return { state: 'running' };
        case 'done':
          return { state: 'done', result: value! };
        default:
          return { state: 'retry', stamp: value! } satisfies Claim;
      }
    },
    async finish(key, result) {
      await scripts.parleyOnceFinish(keyOf(key), result);
    },
    async fail(key) {
      await scripts.parleyOnceFail(keyOf(key));
    },
    async forgetPrefix(prefix) {
      // SCAN, not KEYS: the keyspace is shared with every other seam. On a cluster each
      // master holds a part of it; the keys found are deleted one by one (their slots differ).
      const pattern = `${keyOf(prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
      for (const node of masters(redis)) {
        for (let cursor = '0'; ; ) {
          const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          await Promise.all(keys.map((key) => redis.del(key)));
          if (next === '0') break;
          cursor = next;
        }
      }
    },
  };
}
