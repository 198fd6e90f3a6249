import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/model/clock.js';
import type { OnceStore } from '../../src/store/once.js';
import { createMemoryOnceStore } from '../../src/store/once.memory.js';
import { createRedisOnceStore } from '../../src/store/once.redis.js';
import type { RedisClient } from '../../src/store/redis-client.js';
import { freshStorage, storageMode, testRedis, type TestStorage } from '../helpers/storage.js';

/** The OnceStore contract (src/store/once.ts), on the memory engine or on Redis. */
let storage: TestStorage;
let redis: RedisClient | undefined;
let once: OnceStore;
beforeAll(async () => {
  storage = await freshStorage();
  if (storageMode === 'services') redis = testRedis(storage);
  once = redis ? createRedisOnceStore(redis, storage.redisNamespace) : createMemoryOnceStore(systemClock);
});
afterAll(async () => {
  await redis?.quit();
  await storage.release();
});

const T = 1_800_000_000_000;
let keys = 0;
const newKey = () => `k${++keys}`;

describe(`OnceStore contract (${storageMode})`, () => {
  it('the first begin holds the lease; a second one while it holds is told it is running', async () => {
    const key = newKey();
    expect(await once.begin(key, 'stamp-1', T, 1_000, 60_000)).toEqual({ state: 'first' });
    expect(await once.begin(key, 'stamp-2', T + 10, 1_000, 60_000)).toEqual({ state: 'running' });
  });

  it('a begin bringing the holding lease\'s own stamp is that claim sent again (a resend after a cut connection): first; other stamps are still told it is running', async () => {
    const key = newKey();
    expect(await once.begin(key, 'stamp-1', T, 1_000, 60_000)).toEqual({ state: 'first' });
    expect(await once.begin(key, 'stamp-1', T, 1_000, 60_000)).toEqual({ state: 'first' });
    expect(await once.begin(key, 'stamp-2', T + 10, 1_000, 60_000)).toEqual({ state: 'running' });
  });

  it('after finish every begin gets the result, whatever stamp it brings', async () => {
    const key = newKey();
    await once.begin(key, 'stamp-1', T, 1_000, 60_000);
    await once.finish(key, '{"answer":42}');
    expect(await once.begin(key, 'stamp-2', T + 5_000, 1_000, 60_000)).toEqual({ state: 'done', result: '{"answer":42}' });
  });

  it('after fail, or once the lease ran out, the next begin retries with the first stamp and holds a new lease', async () => {
    const failed = newKey();
    await once.begin(failed, 'first-stamp', T, 1_000, 60_000);
    await once.fail(failed);
    expect(await once.begin(failed, 'other-stamp', T + 1, 1_000, 60_000)).toEqual({ state: 'retry', stamp: 'first-stamp' });
    expect(await once.begin(failed, 'other-stamp', T + 2, 1_000, 60_000)).toEqual({ state: 'running' });

    const stalled = newKey();
    await once.begin(stalled, 'stalled-stamp', T, 1_000, 60_000);
    expect(await once.begin(stalled, 'x', T + 999, 1_000, 60_000)).toEqual({ state: 'running' });
    expect(await once.begin(stalled, 'x', T + 1_000, 1_000, 60_000)).toEqual({ state: 'retry', stamp: 'stalled-stamp' });
  });

  it('exactly one of many concurrent first begins holds the lease', async () => {
    const key = newKey();
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => once.begin(key, `s${i}`, T, 1_000, 60_000)));
    expect(claims.filter((c) => c.state === 'first')).toHaveLength(1);
    expect(claims.filter((c) => c.state === 'running')).toHaveLength(19);
  });

  it('forgets a key ttlMs after its first attempt; finish and fail of an unknown key do nothing', async () => {
    const key = newKey();
    await once.begin(key, 'short', T, 1_000, 100);
    await once.finish(key, '"kept briefly"');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await once.begin(key, 'later', T + 10_000, 1_000, 60_000)).toEqual({ state: 'first' });
    await once.finish(newKey(), '"nobody asked"');
    await once.fail(newKey());
    const untouched = newKey();
    expect(await once.begin(untouched, 's', T, 1_000, 60_000)).toEqual({ state: 'first' });
  });
});

const beginLater = (key: string, stamp = 'later') => once.begin(key, stamp, T + 1, 1_000, 60_000);

/** `forgetPrefix`: what account deletion relies on. */
describe(`OnceStore forgetPrefix (${storageMode})`, () => {
  it('forgets answers and running leases under the prefix, glob characters taken literally; other keys stay', async () => {
    for (const key of ['A:gone:x', 'A:gone:y', 'A:gone2:x', 'A:other:x', 'A:g*:x']) {
      await once.begin(key, `stamp-${key}`, T, 1_000, 60_000);
      await once.finish(key, '"r"');
    }
    await once.begin('A:gone:running', 'held', T, 1_000, 60_000);
    await once.forgetPrefix('A:gone:');
    await once.forgetPrefix('A:g*');
    for (const key of ['A:gone:x', 'A:gone:y', 'A:gone:running', 'A:g*:x']) expect(await beginLater(key), key).toEqual({ state: 'first' });
    expect(await beginLater('A:gone2:x')).toEqual({ state: 'done', result: '"r"' });
    expect(await beginLater('A:other:x')).toEqual({ state: 'done', result: '"r"' });
  });

  it('a prefix that matches nothing changes nothing', async () => {
    await once.begin('B:kept', 's', T, 1_000, 60_000);
    await once.forgetPrefix('B:nobody:');
    expect(await beginLater('B:kept')).toEqual({ state: 'running' });
  });
});
