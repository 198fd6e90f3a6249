import type { RedisClient } from './redis-client.js';
import type { RateCounter } from './rate-counter.js';

/** One key per window (its length and start in the name), counted with INCR and gone a window after it ends. */
export function createRedisRateCounter(redis: RedisClient, namespace: string): RateCounter {
  return {
    async hit(key, windowMs, now) {
      const start = now - (now % windowMs);
      const windowKey = `${namespace}:rate:${key}:${windowMs}:${start}`;
      const [[incrErr, count], [expireErr]] = (await redis.multi().incr(windowKey).pexpire(windowKey, 2 * windowMs).exec()) as [[Error | null, number], [Error | null, unknown]];
      if (incrErr) throw incrErr;
      if (expireErr) throw expireErr;
      return count;
    },
  };
}
