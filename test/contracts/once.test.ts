import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/core/clock.js';
import type { OnceStore } from '../../src/store/once.js';
import { createMemoryOnceStore } from '../../src/store/once.memory.js';
import { createRedisOnceStore } from '../../src/store/once.redis.js';
import { storageMode } from '../helpers/storage.js';
import { testStores, type TestStores } from '../helpers/stores.js';

let stores: TestStores;
let redis: Redis | undefined;
let once: OnceStore;
beforeAll(async () => {
  stores = await testStores();
  const url = stores.storage.redisUrl;
  if (url) {
    redis = new Redis(url);
    once = createRedisOnceStore(redis, stores.storage.redisNamespace);
  } else {
    once = createMemoryOnceStore(systemClock);
  }
});
afterAll(async () => {
  await redis?.quit();
  await stores.close();
});

describe(`OnceStore contract (${storageMode})`, () => {
  it('claims a key once until released, then hands back the result', async () => {
    expect(await once.claim('app:u:k1', 60_000)).toEqual({ state: 'claimed' });
    expect(await once.claim('app:u:k1', 60_000)).toEqual({ state: 'pending' });
    await once.complete('app:u:k1', 'result', 60_000);
    expect(await once.claim('app:u:k1', 60_000)).toEqual({ state: 'done', result: 'result' });
    await once.release('app:u:k1');
    expect(await once.claim('app:u:k1', 60_000)).toEqual({ state: 'claimed' });
  });

  it('forgetPrefix forgets exactly the keys under the prefix, glob characters taken literally', async () => {
    for (const key of ['A:gone:x', 'A:gone:y', 'A:gone2:x', 'A:other:x', 'A:g*:x']) {
      await once.claim(key, 60_000);
      await once.complete(key, 'r', 60_000);
    }
    await once.forgetPrefix('A:gone:');
    await once.forgetPrefix('A:g*');
    expect(await once.claim('A:gone:x', 60_000)).toEqual({ state: 'claimed' });
    expect(await once.claim('A:gone:y', 60_000)).toEqual({ state: 'claimed' });
    expect(await once.claim('A:g*:x', 60_000)).toEqual({ state: 'claimed' });
    expect(await once.claim('A:gone2:x', 60_000)).toEqual({ state: 'done', result: 'r' });
    expect(await once.claim('A:other:x', 60_000)).toEqual({ state: 'done', result: 'r' });
  });
});
