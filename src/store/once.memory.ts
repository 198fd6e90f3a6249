import type { Clock } from '../model/clock.js';
import type { Claim, OnceStore } from './once.js';

interface Attempt {
  stamp: string;
  leaseUntil: number;
  result: string | undefined;
  expiresAt: number;
}

/** In-process idempotency records. Single node only. */
export function createMemoryOnceStore(clock: Clock): OnceStore {
  const records = new Map<string, Attempt>();
  const current = (key: string) => {
    const record = records.get(key);
    if (record && record.expiresAt <= clock.now()) {
      records.delete(key);
      return undefined;
    }
    return record;
  };
  return {
    async begin(key, stamp, now, leaseMs, ttlMs): Promise<Claim> {
      const record = current(key);
      if (!record) {
        records.set(key, { stamp, leaseUntil: now + leaseMs, result: undefined, expiresAt: clock.now() + ttlMs });
        // Expired records of keys never asked again would pile up: sweep now and then.
        if (records.size % 1024 === 0) for (const k of records.keys()) current(k);
        return { state: 'first' };
      }
      if (record.result !== undefined) return { state: 'done', result: record.result };
      if (now < record.leaseUntil) return { state: record.stamp === stamp ? 'first' : 'running' };
      record.leaseUntil = now + leaseMs;
      return { state: 'retry', stamp: record.stamp };
    },
    async finish(key, result) {
      const record = current(key);
      if (record) record.result = result;
    },
    async fail(key) {
      const record = current(key);
      if (record) record.leaseUntil = 0;
    },
    async forgetPrefix(prefix) {
      for (const key of records.keys()) if (key.startsWith(prefix)) records.delete(key);
    },
  };
}
