import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/model/clock.js';
import type { OnceStore } from '../../src/store/once.js';
import { createMemoryOnceStore } from '../../src/store/once.memory.js';
import { createRedisOnceStore } from '../../src/store/once.redis.js';
import { freshStorage, storageMode, type TestStorage } from '../helpers/storage.js';

/** `OnceStore.forgetPrefix` (src/store/once.ts), on the memory engine or on Redis: what account deletion relies on. */
let storage: TestStorage;
let redis: Redis | undefined;
let once: OnceStore;
beforeAll(async () => {
  storage = await freshStorage();
  if (storage.redisUrl) redis = new Redis(storage.redisUrl);
  once = redis ? createRedisOnceStore(redis, storage.redisNamespace) : createMemoryOnceStore(systemClock);
});
afterAll(async () => {
  await redis?.quit();
  await storage.release();
});

const T = 1_800_000_000_000;
const begin = (key: string, stamp = 'later') => once.begin(key, stamp, T + 1, 1_000, 60_000);

describe(`OnceStore forgetPrefix (${storageMode})`, () => {
  it('forgets answers and running leases under the prefix, glob characters taken literally; other keys stay', async () => {
    for (const key of ['A:gone:x', 'A:gone:y', 'A:gone2:x', 'A:other:x', 'A:g*:x']) {
      await once.begin(key, `stamp-${key}`, T, 1_000, 60_000);
      await once.finish(key, '"r"');
    }
    await once.begin('A:gone:running', 'held', T, 1_000, 60_000);
    await once.forgetPrefix('A:gone:');
    await once.forgetPrefix('A:g*');
    for (const key of ['A:gone:x', 'A:gone:y', 'A:gone:running', 'A:g*:x']) expect(await begin(key), key).toEqual({ state: 'first' });
    expect(await begin('A:gone2:x')).toEqual({ state: 'done', result: '"r"' });
    expect(await begin('A:other:x')).toEqual({ state: 'done', result: '"r"' });
  });

  it('a prefix that matches nothing changes nothing', async () => {
    await once.begin('B:kept', 's', T, 1_000, 60_000);
    await once.forgetPrefix('B:nobody:');
    expect(await begin('B:kept')).toEqual({ state: 'running' });
  });
});
