import type { Redis } from 'ioredis';
import type { OnceStore } from './once.js';

/** `<ns>:once:<key>` holds "" while the first attempt runs, then its result. */
export function createRedisOnceStore(redis: Redis, namespace: string): OnceStore {
  const keyOf = (key: string) => `${namespace}:once:${key}`;
  return {
    async claim(key, ttlMs) {
      if ((await redis.set(keyOf(key), '', 'PX', ttlMs, 'NX')) === 'OK') return { state: 'claimed' };
      const result = await redis.get(keyOf(key));
      if (result === null) return { state: 'pending' }; // expired between the two calls: the caller retries
      return result === '' ? { state: 'pending' } : { state: 'done', result };
    },
    async complete(key, result, ttlMs) {
      await redis.set(keyOf(key), result, 'PX', ttlMs);
    },
    async release(key) {
      await redis.del(keyOf(key));
    },
    async forgetPrefix(prefix) {
      // SCAN, not KEYS: the keyspace is shared with every other seam.
      const pattern = `${keyOf(prefix).replace(/[*?[\]\\]/g, '\\$&')}*`;
      for (let cursor = '0'; ; ) {
        const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        if (next === '0') return;
        cursor = next;
      }
    },
  };
}
