import type { Clock } from '../core/clock.js';
import type { OnceStore } from './once.js';

/** In-process idempotency records. Single node only. */
export function createMemoryOnceStore(clock: Clock): OnceStore {
  const records = new Map<string, { result: string | undefined; expiresAt: number }>();
  const current = (key: string) => {
    const record = records.get(key);
    if (record && record.expiresAt <= clock.now()) {
      records.delete(key);
      return undefined;
    }
    return record;
  };
  return {
    async claim(key, ttlMs) {
      const record = current(key);
      if (!record) {
        records.set(key, { result: undefined, expiresAt: clock.now() + ttlMs });
        // Expired records of keys never asked again would pile up: sweep now and then.
        if (records.size % 1024 === 0) for (const k of records.keys()) current(k);
        return { state: 'claimed' };
      }
      return record.result === undefined ? { state: 'pending' } : { state: 'done', result: record.result };
    },
    async complete(key, result, ttlMs) {
      records.set(key, { result, expiresAt: clock.now() + ttlMs });
    },
    async release(key) {
      records.delete(key);
    },
    async forgetPrefix(prefix) {
      for (const key of records.keys()) if (key.startsWith(prefix)) records.delete(key);
    },
  };
}
